package svg.tensor.backend;

/**
 * The ops of {@link Backend}, one per method, for {@link Backend#supports}: what a backend declares it runs and
 * {@link Scheduler} reads to decide where each op goes (ggml's {@code ggml_op}). {@link #method()} is the Backend
 * method's name, which is also the {@code op} of the op's conformance cases.
 */
public enum Op {
    UNARY("unary"),
    BINARY("binary"),
    REDUCE_LAST("reduceLast"),
    SOFTMAX("softmax"),
    LOG_SOFTMAX("logSoftmax"),
    MATMUL("matmul"),
    LINEAR("linear"),
    LAYER_NORM("layerNorm"),
    RMS_NORM("rmsNorm"),
    LAYER_NORM_BACKWARD("layerNormBackward"),
    LAYER_NORM_BACKWARD_AFFINE("layerNormBackwardAffine"),
    GROUP_NORM("groupNorm"),
    GROUP_NORM_BACKWARD("groupNormBackward"),
    GROUP_NORM_BACKWARD_AFFINE("groupNormBackwardAffine"),
    CONV2D("conv2d"),
    CONV2D_BACKWARD_INPUT("conv2dBackwardInput"),
    CONV2D_BACKWARD_WEIGHT("conv2dBackwardWeight"),
    UPSAMPLE_NEAREST_2X("upsampleNearest2x"),
    EMBEDDING("embedding"),
    EMBEDDING_BACKWARD("embeddingBackward"),
    ATTENTION("attention"),
    ROPE("rope");

    private final String method;

    Op(String method) { this.method = method; }

    /** The {@link Backend} method that runs this op. */
    public String method() { return method; }
}
