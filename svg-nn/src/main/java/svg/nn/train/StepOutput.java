package svg.nn.train;

import svg.tensor.Tensor;

import java.util.Map;

/**
 * What a task returns for one micro-batch: the scalar the trainer back-propagates, named scalars to log, and the
 * loss value to report. {@code value} is NaN when the reported loss is {@code loss.item()}; a task that
 * back-propagates a surrogate (e.g. output * precomputed gradient, for an adaptive GAN weight) reports the true
 * objective there.
 */
public record StepOutput(Tensor loss, Map<String, Double> logs, double value) {
    public StepOutput(Tensor loss, Map<String, Double> logs) { this(loss, logs, Double.NaN); }

    public StepOutput(Tensor loss) { this(loss, Map.of(), Double.NaN); }

    /** The loss value to log and check for NaN/Inf. */
    public double reported() { return Double.isNaN(value) ? loss.item() : value; }
}
