package svg.tensor;

/**
 * One recorded op in the autograd graph: the inputs that need gradients and the function that maps the output
 * gradient to input gradients (null entries for inputs that need none).
 */
public record Node(String op, Tensor[] inputs, Backward backward) {
    @FunctionalInterface
    public interface Backward { Tensor[] apply(Tensor gradOut); }
}
