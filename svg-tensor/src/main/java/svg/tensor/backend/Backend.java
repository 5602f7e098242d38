package svg.tensor.backend;

import svg.tensor.Tensor;

/**
 * The ops a backend may run. Model code never calls a backend: it calls {@link Tensor} methods, which dispatch here
 * (through {@link Backends#dispatch()}) and record autograd.
 *
 * <p>Contract: inputs are contiguous unless the method says otherwise; outputs are new contiguous tensors
 * created with {@link Tensor#empty}. Shapes have been checked by the caller. The scalar reference backend
 * ({@code svg.tensor.reference}) is the executable specification of every method; the conformance harness
 * (svg-tensor tests) runs each op on each backend against a float64 reference.
 *
 * <p>What a backend runs: every op method has a default that refuses ({@link UnsupportedOperationException}). A
 * backend overrides the ops it runs and says which in {@link #supports}; a complete backend (cpu, reference) keeps
 * the default, "everything". Ops a backend does not support, for all inputs or for some (a rank its kernels do not
 * handle), run on the fallback backend: {@link Scheduler} is the one place that decides, and no backend constructs
 * or calls another.
 *
 * <p>Blocks: {@link #runBlock} receives a whole sequence of ops (a transformer block, a network forward). An eager
 * backend simply runs it; a device backend (TornadoVM) may record the ops the first time, build one task graph per
 * block and replay it on later calls, keeping tensors on the device in between.
 */
public interface Backend {
    /** Short name: "reference", "cpu", "tornado". */
    String name();

    /**
     * Whether this backend runs {@code op} on these operands (ggml's {@code supports_op}). {@code operands} are the
     * op method's tensor parameters in their order, null where an optional one is absent (e.g. {@code linear}: x, w,
     * bias). When false, {@link Scheduler} runs the op on the fallback backend instead. Called before every op: keep
     * it cheap, and never throw. Default: every op on every operand (a complete backend).
     */
    default boolean supports(Op op, Tensor... operands) { return true; }

    /** Elementwise op; {@code x} may be any strided view. */
    default Tensor unary(UnaryOp op, Tensor x) { throw unsupported(this, Op.UNARY); }

    /** Elementwise op on equal shapes; either operand may be a strided or stride-0 (broadcast) view. */
    default Tensor binary(BinaryOp op, Tensor a, Tensor b) { throw unsupported(this, Op.BINARY); }

    /** Reduces the last axis: [..., n] -> [...]. */
    default Tensor reduceLast(ReduceOp op, Tensor x) { throw unsupported(this, Op.REDUCE_LAST); }

    /** Softmax over the last axis. */
    default Tensor softmax(Tensor x) { throw unsupported(this, Op.SOFTMAX); }

    /** Log-softmax over the last axis. */
    default Tensor logSoftmax(Tensor x) { throw unsupported(this, Op.LOG_SOFTMAX); }

    /**
     * Batched matrix product. {@code a} is [Ba, ra, ca] and stands for its transpose when {@code transA}; likewise
     * {@code b}. Batch sizes are equal or one of them is 1 (broadcast). Result [max(Ba,Bb), M, N].
     */
    default Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) { throw unsupported(this, Op.MATMUL); }

    /**
     * x [rows, in] times w [out, in] transposed, plus bias [out] (nullable): [rows, out]. The weight may be stored as
     * bfloat16 ({@link Tensor#isBf16()}): a backend may read its bits natively ({@code w.storage().bf16()}), or its
     * exact float32 values through {@code w.data()} (a widened copy per call).
     */
    default Tensor linear(Tensor x, Tensor w, Tensor bias) { throw unsupported(this, Op.LINEAR); }

    /** LayerNorm over the last axis of x [rows, n]; weight and bias [n] are nullable. */
    default Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        throw unsupported(this, Op.LAYER_NORM);
    }

    /** RMSNorm over the last axis; weight nullable. */
    default Tensor rmsNorm(Tensor x, Tensor weight, float eps) { throw unsupported(this, Op.RMS_NORM); }

    /** GroupNorm of x [N, C, S] (S = spatial size) with {@code groups} groups; weight and bias [C] nullable. */
    default Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        throw unsupported(this, Op.GROUP_NORM);
    }

    /**
     * Gradient of {@link #layerNorm} with respect to x [rows, n], given gradOut [rows, n] and the weight [n]
     * (nullable; the bias does not enter): with xhat = (x - mean) * rstd over each row and gx = gradOut * weight,
     * dx = rstd * (gx - mean(gx) - xhat * mean(gx * xhat)). Optional, as {@link #groupNormBackward}.
     */
    default Tensor layerNormBackward(Tensor x, Tensor gradOut, Tensor weight, float eps) {
        throw unsupported(this, Op.LAYER_NORM_BACKWARD);
    }

    /**
     * Gradients of {@link #layerNorm}'s weight and bias, [2, n]: row 0 the sum over rows of gradOut * xhat, row 1 the
     * sum of gradOut (x and gradOut [rows, n]).
     */
    default Tensor layerNormBackwardAffine(Tensor x, Tensor gradOut, float eps) {
        throw unsupported(this, Op.LAYER_NORM_BACKWARD_AFFINE);
    }

    /**
     * Gradient of {@link #groupNorm} with respect to x [N, C, S], given gradOut [N, C, S] and the weight [C]
     * (nullable; the bias does not enter): with xhat = (x - mean) * rstd over each group and gx = gradOut * weight,
     * dx = rstd * (gx - mean(gx) - xhat * mean(gx * xhat)), means over the group. Optional: a backend without it runs
     * the chain of elementwise ops it stands for through the fallback.
     */
    default Tensor groupNormBackward(Tensor x, Tensor gradOut, int groups, Tensor weight, float eps) {
        throw unsupported(this, Op.GROUP_NORM_BACKWARD);
    }

    /**
     * Gradients of {@link #groupNorm}'s weight and bias, [2, C]: row 0 sum over N and S of gradOut * xhat, row 1 sum
     * of gradOut (x and gradOut [N, C, S]).
     */
    default Tensor groupNormBackwardAffine(Tensor x, Tensor gradOut, int groups, float eps) {
        throw unsupported(this, Op.GROUP_NORM_BACKWARD_AFFINE);
    }

    /** 2-D convolution, x [N, C, H, W], w [O, C, kh, kw], bias [O] nullable. */
    default Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        throw unsupported(this, Op.CONV2D);
    }

    /** Gradient of conv2d with respect to its input, [N, C, inH, inW]. */
    default Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, int inH, int inW, int stride, int padding) {
        throw unsupported(this, Op.CONV2D_BACKWARD_INPUT);
    }

    /** Gradient of conv2d with respect to its weight, [O, C, kh, kw]. */
    default Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int kh, int kw, int stride, int padding) {
        throw unsupported(this, Op.CONV2D_BACKWARD_WEIGHT);
    }

    /** Nearest-neighbour 2x upsampling of x [N, C, H, W]. */
    default Tensor upsampleNearest2x(Tensor x) { throw unsupported(this, Op.UPSAMPLE_NEAREST_2X); }

    /** Rows of table [V, D] at ids: [ids.length, D]. */
    default Tensor embedding(Tensor table, int[] ids) { throw unsupported(this, Op.EMBEDDING); }

    /** Scatter-add of grad [ids.length, D] into a zero [vocab, D] table. */
    default Tensor embeddingBackward(Tensor grad, int[] ids, int vocab) {
        throw unsupported(this, Op.EMBEDDING_BACKWARD);
    }

    /**
     * Fused scaled-dot-product attention softmax(q k^T * scale + mask) v with O(tokens x headDim) extra memory.
     * q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv]; mask [Tq, Tk] additive, nullable.
     */
    default Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        throw unsupported(this, Op.ATTENTION);
    }

    /**
     * Rotary embedding, rotate-half layout: out = x * cos + rotateHalf(x) * sin with rotateHalf(x) = [-x2, x1].
     * x [B, H, T, D]; sin and cos [T, D].
     */
    default Tensor rope(Tensor x, Tensor sin, Tensor cos) { throw unsupported(this, Op.ROPE); }

    /** Runs a sequence of ops as one unit; see the class comment. */
    default <T> T runBlock(String name, java.util.function.Supplier<T> ops) { return ops.get(); }

    /** What an op method a backend does not override throws: it was called although {@link #supports} says no. */
    private static UnsupportedOperationException unsupported(Backend b, Op op) {
        return new UnsupportedOperationException("backend '" + b.name() + "' does not run " + op.method()
                + " (it must say so in supports(), so that the scheduler sends the op to the fallback backend)");
    }
}
