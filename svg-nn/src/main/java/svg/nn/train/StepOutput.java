package svg.nn.train;

import svg.tensor.Tensor;

import java.util.Map;

/**
 * What a task returns for one micro-batch: the scalar loss the trainer back-propagates, and named scalars to log
 * (the loss components; the trainer adds "loss" itself).
 */
public record StepOutput(Tensor loss, Map<String, Double> logs) {
    public StepOutput(Tensor loss) { this(loss, Map.of()); }
}
