package svg.tensor.backend;

import svg.tensor.Tensor;

/**
 * The fixed set of primitive ops that every backend implements. Model code never calls a backend: it calls
 * {@link Tensor} methods, which dispatch here and record autograd.
 *
 * <p>Contract: inputs are contiguous unless the method says otherwise; outputs are new contiguous tensors
 * created with {@link Tensor#empty}. Shapes have been checked by the caller. The scalar {@code ReferenceBackend}
 * is the executable specification of every method; the conformance harness (svg-tensor tests) runs each op on each
 * backend against a float64 reference.
 *
 * <p>Blocks: {@link #runBlock} receives a whole sequence of ops (a transformer block, a network forward). An eager
 * backend simply runs it; a device backend (TornadoVM) may record the ops the first time, build one task graph per
 * block and replay it on later calls, keeping tensors on the device in between.
 */
public interface Backend {
    /** Short name: "reference", "cpu", "tornado". */
    String name();

    /** Elementwise op; {@code x} may be any strided view. */
    Tensor unary(UnaryOp op, Tensor x);

    /** Elementwise op on equal shapes; either operand may be a strided or stride-0 (broadcast) view. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** Reduces the last axis: [..., n] -> [...]. */
    Tensor reduceLast(ReduceOp op, Tensor x);

    /** Softmax over the last axis. */
    Tensor softmax(Tensor x);

    /** Log-softmax over the last axis. */
    Tensor logSoftmax(Tensor x);

    /**
     * Batched matrix product. {@code a} is [Ba, ra, ca] and stands for its transpose when {@code transA}; likewise
     * {@code b}. Batch sizes are equal or one of them is 1 (broadcast). Result [max(Ba,Bb), M, N].
     */
    Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB);

    /**
     * x [rows, in] times w [out, in] transposed, plus bias [out] (nullable): [rows, out]. The weight may be stored as
     * bfloat16 ({@link Tensor#isBf16()}): a backend may read its bits natively ({@code w.storage().bf16()}), or its
     * exact float32 values through {@code w.data()} (a widened copy per call).
     */
    Tensor linear(Tensor x, Tensor w, Tensor bias);

    /** LayerNorm over the last axis of x [rows, n]; weight and bias [n] are nullable. */
    Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps);

    /** RMSNorm over the last axis; weight nullable. */
    Tensor rmsNorm(Tensor x, Tensor weight, float eps);

    /** GroupNorm of x [N, C, S] (S = spatial size) with {@code groups} groups; weight and bias [C] nullable. */
    Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps);

    /** 2-D convolution, x [N, C, H, W], w [O, C, kh, kw], bias [O] nullable. */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding);

    /** Gradient of conv2d with respect to its input, [N, C, inH, inW]. */
    Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, int inH, int inW, int stride, int padding);

    /** Gradient of conv2d with respect to its weight, [O, C, kh, kw]. */
    Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int kh, int kw, int stride, int padding);

    /** Nearest-neighbour 2x upsampling of x [N, C, H, W]. */
    Tensor upsampleNearest2x(Tensor x);

    /** Rows of table [V, D] at ids: [ids.length, D]. */
    Tensor embedding(Tensor table, int[] ids);

    /** Scatter-add of grad [ids.length, D] into a zero [vocab, D] table. */
    Tensor embeddingBackward(Tensor grad, int[] ids, int vocab);

    /**
     * Fused scaled-dot-product attention softmax(q k^T * scale + mask) v with O(tokens x headDim) extra memory.
     * q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv]; mask [Tq, Tk] additive, nullable.
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale);

    /**
     * Rotary embedding, rotate-half layout: out = x * cos + rotateHalf(x) * sin with rotateHalf(x) = [-x2, x1].
     * x [B, H, T, D]; sin and cos [T, D].
     */
    Tensor rope(Tensor x, Tensor sin, Tensor cos);

    /** Runs a sequence of ops as one unit; see the class comment. */
    default <T> T runBlock(String name, java.util.function.Supplier<T> ops) { return ops.get(); }
}
