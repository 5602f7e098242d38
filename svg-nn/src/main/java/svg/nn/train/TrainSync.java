package svg.nn.train;

import svg.tensor.Tensor;

import java.util.Map;

/**
 * How a {@link Trainer} cooperates with its replicas in data-parallel training (svg-spark runs one trainer per
 * executor). The trainer calls {@link #gradients} between the last backward of a step and clipping, so clipping, the
 * optimiser and the EMA see the global batch's gradients and every replica applies the same update; {@link #updated}
 * after the update (local SGD averages the weights there instead). Only the {@link #writer()} replica touches the
 * output directory (checkpoint, log.csv); the others read its checkpoint to resume. {@link #NONE}: one process.
 */
public interface TrainSync {
    TrainSync NONE = new TrainSync() {};

    /**
     * Replaces each parameter's gradient and each logged sum by its sum over the replicas (each replica's loss is
     * already weighted by its share of the global batch, so the sum is the global batch's mean).
     */
    default void gradients(Map<String, Tensor> params, Map<String, Double> sums, long step) {}

    /** After update {@code step} (0-based) and the task's afterUpdate: {@code state} is the task's extra state. */
    default void updated(Map<String, Tensor> params, Map<String, Tensor> state, long step) {}

    /** Whether this replica writes checkpoints and the CSV log. */
    default boolean writer() { return true; }
}
