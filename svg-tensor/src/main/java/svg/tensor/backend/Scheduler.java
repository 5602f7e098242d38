package svg.tensor.backend;

import svg.tensor.Tensor;

import java.util.function.Supplier;

/**
 * The one place that decides where an op runs (ggml's scheduler, for one backend and its fallback): on the chosen
 * backend when it {@link Backend#supports supports} the op on these operands, else on the fallback backend. Tensor
 * ops reach backends only through a Scheduler ({@link Backends#dispatch()}); so does the conformance harness, which
 * therefore tests what users get. Blocks ({@link #runBlock}) always go to the chosen backend: a fallback op inside a
 * device backend's block reads its inputs on the host, which that backend handles (it runs the block op by op).
 */
public final class Scheduler implements Backend {
    private final Backend backend;
    private final Supplier<Backend> fallbackSource;
    private volatile Backend fallback;

    /**
     * @param backend  the backend ops run on when it supports them
     * @param fallback runs the rest; it must support every op (the cpu backend, see {@link Backends#fallback()})
     */
    public Scheduler(Backend backend, Backend fallback) {
        this(backend, () -> fallback);
        if (fallback == null) throw new IllegalArgumentException("fallback is null");
    }

    /** As {@link #Scheduler(Backend, Backend)}, the fallback looked up the first time an op needs it. */
    public Scheduler(Backend backend, Supplier<Backend> fallback) {
        if (backend == null || fallback == null) throw new IllegalArgumentException("backend and fallback are required");
        this.backend = backend;
        this.fallbackSource = fallback;
    }

    /** The backend ops run on when it supports them. */
    public Backend backend() { return backend; }

    /** The backend that runs what {@link #backend()} does not. */
    public Backend fallback() {
        Backend f = fallback;
        if (f == null) fallback = f = fallbackSource.get();
        return f;
    }

    /**
     * The decision: the backend that runs {@code op} on {@code operands}. Throws when neither the backend nor the
     * fallback supports it.
     */
    public Backend placement(Op op, Tensor... operands) {
        if (backend.supports(op, operands)) return backend;
        Backend f = fallback();
        if (f != backend && f.supports(op, operands)) return f;
        throw new IllegalStateException("no backend runs " + op.method() + ": '" + backend.name()
                + "' does not support it and neither does the fallback '" + f.name() + "'");
    }

    /** The backend's name: a Scheduler is the backend as Tensor ops see it, with the fallback behind it. */
    @Override
    public String name() { return backend.name(); }

    /** Every op the backend or its fallback supports. */
    @Override
    public boolean supports(Op op, Tensor... operands) {
        return backend.supports(op, operands) || fallback().supports(op, operands);
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) { return placement(Op.UNARY, x).unary(op, x); }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return placement(Op.BINARY, a, b).binary(op, a, b); }

    @Override
    public Tensor reduceLast(ReduceOp op, Tensor x) { return placement(Op.REDUCE_LAST, x).reduceLast(op, x); }

    @Override
    public Tensor softmax(Tensor x) { return placement(Op.SOFTMAX, x).softmax(x); }

    @Override
    public Tensor logSoftmax(Tensor x) { return placement(Op.LOG_SOFTMAX, x).logSoftmax(x); }

    @Override
    public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        return placement(Op.MATMUL, a, b).matmul(a, transA, b, transB);
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) { return placement(Op.LINEAR, x, w, bias).linear(x, w, bias); }

    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return placement(Op.LAYER_NORM, x, weight, bias).layerNorm(x, weight, bias, eps);
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return placement(Op.RMS_NORM, x, weight).rmsNorm(x, weight, eps);
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        return placement(Op.GROUP_NORM, x, weight, bias).groupNorm(x, groups, weight, bias, eps);
    }

    @Override
    public Tensor layerNormBackward(Tensor x, Tensor gradOut, Tensor weight, float eps) {
        return placement(Op.LAYER_NORM_BACKWARD, x, gradOut, weight).layerNormBackward(x, gradOut, weight, eps);
    }

    @Override
    public Tensor layerNormBackwardAffine(Tensor x, Tensor gradOut, float eps) {
        return placement(Op.LAYER_NORM_BACKWARD_AFFINE, x, gradOut).layerNormBackwardAffine(x, gradOut, eps);
    }

    @Override
    public Tensor groupNormBackward(Tensor x, Tensor gradOut, int groups, Tensor weight, float eps) {
        return placement(Op.GROUP_NORM_BACKWARD, x, gradOut, weight).groupNormBackward(x, gradOut, groups, weight, eps);
    }

    @Override
    public Tensor groupNormBackwardAffine(Tensor x, Tensor gradOut, int groups, float eps) {
        return placement(Op.GROUP_NORM_BACKWARD_AFFINE, x, gradOut).groupNormBackwardAffine(x, gradOut, groups, eps);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        return placement(Op.CONV2D, x, w, bias).conv2d(x, w, bias, stride, padding);
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, int inH, int inW, int stride, int padding) {
        return placement(Op.CONV2D_BACKWARD_INPUT, gradOut, w).conv2dBackwardInput(gradOut, w, inH, inW, stride, padding);
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int kh, int kw, int stride, int padding) {
        return placement(Op.CONV2D_BACKWARD_WEIGHT, gradOut, x).conv2dBackwardWeight(gradOut, x, kh, kw, stride, padding);
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) { return placement(Op.UPSAMPLE_NEAREST_2X, x).upsampleNearest2x(x); }

    @Override
    public Tensor embedding(Tensor table, int[] ids) { return placement(Op.EMBEDDING, table).embedding(table, ids); }

    @Override
    public Tensor embeddingBackward(Tensor grad, int[] ids, int vocab) {
        return placement(Op.EMBEDDING_BACKWARD, grad).embeddingBackward(grad, ids, vocab);
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        return placement(Op.ATTENTION, q, k, v, mask).attention(q, k, v, mask, scale);
    }

    @Override
    public Tensor rope(Tensor x, Tensor sin, Tensor cos) { return placement(Op.ROPE, x, sin, cos).rope(x, sin, cos); }

    @Override
    public <T> T runBlock(String name, Supplier<T> ops) { return backend.runBlock(name, ops); }

    @Override
    public String toString() { return backend.toString(); }
}
