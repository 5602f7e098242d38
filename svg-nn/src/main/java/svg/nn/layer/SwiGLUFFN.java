package svg.nn.layer;

import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * DINOv3 SwiGLU feed-forward: w3(silu(w1 x) * w2 x). The hidden width is {@code int(hidden * 2/3)} rounded up to a
 * multiple of {@code alignTo} (8 for "swiglu").
 */
public class SwiGLUFFN extends Layer {
    public final Linear w1, w2, w3;
    public final int swigluHidden;

    public SwiGLUFFN(int in, int hidden, int out, boolean bias, int alignTo, Rng rng) {
        swigluHidden = swigluHidden(hidden, alignTo);
        w1 = child("w1", new Linear(in, swigluHidden, bias, rng));
        w2 = child("w2", new Linear(in, swigluHidden, bias, rng));
        w3 = child("w3", new Linear(swigluHidden, out, bias, rng));
    }

    /** d = int(hidden * 2 / 3), then d + (-d mod align). */
    public static int swigluHidden(int hidden, int alignTo) {
        int d = (int) (hidden * 2.0 / 3.0);
        return d + Math.floorMod(-d, alignTo);
    }

    @Override
    public Tensor forward(Tensor x) {
        return w3.forward(w1.forward(x).silu().mul(w2.forward(x)));
    }
}
