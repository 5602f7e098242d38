package svg.tensor.backend;

/** Elementwise binary primitives on equal-shape operands (broadcast operands arrive as stride-0 views). */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, POW,
    /** 1 where a >= b, else 0 (used for max/abs gradients and masks; not differentiable). */
    GE
}
