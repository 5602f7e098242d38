package svg.nn.module;

import svg.tensor.Rng;
import svg.tensor.Tensor;

/** Test helper: random non-trivial weights (the official inits zero adaLN, output layers and norms' offsets). */
public final class TestWeights {
    private TestWeights() {}

    /** Replaces every trainable parameter with N(0, 0.3) values. */
    public static void perturb(Module m, Rng rng) {
        for (Tensor p : m.parameters()) Init.normal(p, rng, 0, 0.3);
    }
}
