package svg.nn.flow;

import svg.tensor.Tensor;

/** Called after each sampler step with z at time {@code t[step + 1]} (do not modify it). */
@FunctionalInterface
public interface StepListener {
    void onStep(int step, int steps, float tNext, Tensor z);

    StepListener NONE = (s, n, t, z) -> {};
}
