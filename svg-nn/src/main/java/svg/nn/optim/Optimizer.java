package svg.nn.optim;

import svg.tensor.Tensor;

import java.util.Map;

/** A first-order optimiser over a named parameter map; updates the parameter buffers in place. */
public interface Optimizer {
    /**
     * One update from the current gradients, each multiplied by {@code gradScale} first (clipping / accumulation
     * averaging). Parameters without a gradient are skipped. Runs with autograd off.
     */
    void step(double lr, double gradScale);

    /** Number of updates done so far. */
    long steps();

    /** The optimiser state as named tensors (for checkpoints), e.g. "exp_avg.&lt;param&gt;". */
    Map<String, Tensor> state();

    /** Restores {@link #state()} and the step count from a checkpoint. */
    void load(Map<String, Tensor> state, long steps);
}
