package svg.tensor.backend;

/** Elementwise unary primitives. The *_GRAD entries are the derivatives d op(x)/dx that autograd needs. */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, TANH, SIGMOID,
    /** Exact GELU: x * Phi(x) with the error function (torch's default). */
    GELU,
    /** GELU with the tanh approximation (DiT's MLP). */
    GELU_TANH,
    SILU,
    /** Heaviside step: 1 where x > 0, else 0 (ReLU derivative, masks). */
    STEP,
    GELU_GRAD, GELU_TANH_GRAD, SILU_GRAD
}
