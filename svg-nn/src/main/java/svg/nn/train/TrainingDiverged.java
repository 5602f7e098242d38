package svg.nn.train;

/** Thrown when the loss or the gradient norm becomes NaN/Inf; the last checkpoint on disk is left untouched. */
public final class TrainingDiverged extends RuntimeException {
    public TrainingDiverged(String message) { super(message); }
}
