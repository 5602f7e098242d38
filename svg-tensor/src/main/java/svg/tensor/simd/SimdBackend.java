package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.ReduceOp;
import svg.tensor.backend.UnaryOp;
import svg.tensor.parallel.Parallel;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * The CPU backend: Vector API kernels (preferred vector width, chosen once at start-up), multi-threaded through
 * {@link Parallel} with fixed chunking, so results are bit-identical for any thread count. The scalar
 * {@link svg.tensor.reference.ReferenceBackend} is the specification every kernel here is tested against.
 *
 * <p>Packed-weight cache for {@link #linear}: off by default, because optimisers and loaders write weight arrays in
 * place and a packed copy would go stale. Inference-only code whose weights never change while it runs (sampling,
 * encoding with a frozen encoder) may turn it on with {@link #cachePackedWeights(boolean)} or
 * {@code -Dsvg.cpu.packedWeights=true}; the cache then keys packed panels weakly by the weight's float[] and, on
 * every hit, re-hashes the whole weight (one streaming read, a fraction of the transposing pack it saves): a
 * multiplicative per-lane hash changes for any single-element change, so an in-place update is noticed and the weight
 * repacked. It costs one packed copy of each cached weight in memory.
 */
public class SimdBackend implements Backend {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private volatile boolean cacheWeights = Boolean.getBoolean("svg.cpu.packedWeights");
    private final Map<float[], PackedWeight> packed = new WeakHashMap<>();

    /** Packed B panels of one weight [out, in] plus the hash of the values they were packed from. */
    private record PackedWeight(int out, int in, float[] panels, long hash) {}

    @Override
    public String name() { return "cpu"; }

    /** Turns the packed-weight cache of {@link #linear} on or off (see the class comment); clears it when off. */
    public void cachePackedWeights(boolean on) {
        cacheWeights = on;
        if (!on) synchronized (packed) { packed.clear(); }
    }

    /** Vector width in floats and the GEMM register tile, for logs and benchmarks. */
    public static String describe() {
        return "vector " + (L * 32) + "-bit (" + L + " floats), GEMM tile " + Gemm.MR + "x" + Gemm.NR;
    }

    /**
     * Raw single-precision GEMM on arrays, {@code C += op(A) op(B)} (BLAS sgemm with alpha = beta = 1), for
     * benchmarks and callers that manage their own buffers. A(i, p) is {@code a[aOff + i*lda + p]}, or
     * {@code a[aOff + p*lda + i]} when {@code transA}; B(p, j) likewise; C(i, j) is {@code c[cOff + i*ldc + j]}.
     */
    public static void sgemm(int m, int n, int k, float[] a, int aOff, int lda, boolean transA,
                             float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff, int ldc) {
        Gemm.gemm(m, n, k, a, aOff, lda, transA, b, bOff, ldb, transB, c, cOff, ldc);
    }

    // ---------------------------------------------------------------- elementwise, rows

    @Override
    public Tensor unary(UnaryOp op, Tensor x) { return Elementwise.unary(op, x); }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return Elementwise.binary(op, a, b); }

    @Override
    public Tensor reduceLast(ReduceOp op, Tensor x) { return Rows.reduceLast(op, x); }

    @Override
    public Tensor softmax(Tensor x) { return Rows.softmax(x, false); }

    @Override
    public Tensor logSoftmax(Tensor x) { return Rows.softmax(x, true); }

    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) { return Rows.layerNorm(x, weight, bias, eps, false); }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) { return Rows.layerNorm(x, weight, null, eps, true); }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        return Rows.groupNorm(x, groups, weight, bias, eps);
    }

    @Override
    public Tensor layerNormBackward(Tensor x, Tensor gradOut, Tensor weight, float eps) {
        return Rows.layerNormBackward(x, gradOut, weight, eps);
    }

    @Override
    public Tensor layerNormBackwardAffine(Tensor x, Tensor gradOut, float eps) {
        return Rows.layerNormBackwardAffine(x, gradOut, eps);
    }

    @Override
    public Tensor groupNormBackward(Tensor x, Tensor gradOut, int groups, Tensor weight, float eps) {
        return Rows.groupNormBackward(x, gradOut, groups, weight, eps);
    }

    @Override
    public Tensor groupNormBackwardAffine(Tensor x, Tensor gradOut, int groups, float eps) {
        return Rows.groupNormBackwardAffine(x, gradOut, groups, eps);
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        int ba = a.size(0), bb = b.size(0), nb = Math.max(ba, bb);
        int m = transA ? a.size(2) : a.size(1), k = transA ? a.size(1) : a.size(2);
        int n = transB ? b.size(1) : b.size(2);
        Tensor out = Tensor.empty(nb, m, n);
        float[] da = a.data(), db = b.data(), o = out.data();
        int ar = a.size(1), ac = a.size(2), br = b.size(1), bc = b.size(2);
        int lda = ac, ldb = bc;
        long work = (long) m * n * k;
        if (nb > 1 && work < (1L << 22)) {
            // many small products: one whole product per task (its gemm runs inline on that thread)
            Parallel.forChunks(nb, 1, (s, e) -> {
                for (int z = s; z < e; z++) one(z, ba, bb, a, b, da, db, o, ar, ac, br, bc, m, n, k, lda, ldb, transA, transB);
            });
        } else {
            for (int z = 0; z < nb; z++) one(z, ba, bb, a, b, da, db, o, ar, ac, br, bc, m, n, k, lda, ldb, transA, transB);
        }
        return out;
    }

    private static void one(int z, int ba, int bb, Tensor a, Tensor b, float[] da, float[] db, float[] o,
                            int ar, int ac, int br, int bc, int m, int n, int k, int lda, int ldb, boolean ta, boolean tb) {
        int oa = a.offset() + (ba == 1 ? 0 : z) * ar * ac, ob = b.offset() + (bb == 1 ? 0 : z) * br * bc;
        Gemm.gemm(m, n, k, da, oa, lda, ta, db, ob, ldb, tb, o, z * m * n, n);
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int rows = x.size(0), in = x.size(1), outF = w.size(0);
        Tensor out = Tensor.empty(rows, outF);
        float[] o = out.data();
        if (bias != null) {
            float[] bd = bias.data();
            int bo = bias.offset();
            Parallel.forChunks(rows, Parallel.grain(outF, 1L << 15), (s, e) -> {
                for (int r = s; r < e; r++) System.arraycopy(bd, bo, o, r * outF, outF);
            });
        }
        if (rows == 0 || outF == 0) return out;
        if (in == 0) return out;
        if (w.isBf16()) {
            // bfloat16 weights are widened on the fly, never copied whole (their point is half the memory)
            Bf16Linear.gemm(rows, outF, in, x.data(), x.offset(), in, w.storage().bf16(), w.offset(), o, 0, outF);
            return out;
        }
        if (cacheWeights && rows > Gemm.SKINNY_M && w.offset() == 0) {
            float[] panels = packedWeight(w, outF, in);
            Gemm.gemmPacked(rows, outF, in, x.data(), x.offset(), in, false, panels, o, 0, outF);
        } else {
            Gemm.gemm(rows, outF, in, x.data(), x.offset(), in, false, w.data(), w.offset(), in, true, o, 0, outF);
        }
        return out;
    }

    private float[] packedWeight(Tensor w, int outF, int in) {
        float[] wd = w.data();
        long hash = VMath.hash(wd, 0, outF * in);
        PackedWeight pw;
        synchronized (packed) { pw = packed.get(wd); }
        if (pw != null && pw.out == outF && pw.in == in && pw.hash == hash) return pw.panels;
        float[] panels = new float[Gemm.packedSize(in, outF)];
        Gemm.packB(in, outF, wd, 0, in, true, panels);
        synchronized (packed) { packed.put(wd, new PackedWeight(outF, in, panels, hash)); }
        return panels;
    }

    // ---------------------------------------------------------------- convolution, resampling, lookup

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        return Conv.conv2d(x, w, bias, stride, padding);
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gradOut, Tensor w, int inH, int inW, int stride, int padding) {
        return Conv.backwardInput(gradOut, w, inH, inW, stride, padding);
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int kh, int kw, int stride, int padding) {
        return Conv.backwardWeight(gradOut, x, kh, kw, stride, padding);
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        Tensor out = Tensor.empty(n, c, 2 * h, 2 * w);
        float[] d = x.data(), o = out.data();
        int off = x.offset(), w2 = 2 * w;
        Parallel.forChunks(n * c, Parallel.grain(4L * h * w, 1L << 15), (s, e) -> {
            for (int p = s; p < e; p++)
                for (int i = 0; i < h; i++) {
                    int src = off + (p * h + i) * w, dst = (p * 2 * h + 2 * i) * w2;
                    for (int j = 0; j < w; j++) { float v = d[src + j]; o[dst + 2 * j] = v; o[dst + 2 * j + 1] = v; }
                    System.arraycopy(o, dst, o, dst + w2, w2);
                }
        });
        return out;
    }

    @Override
    public Tensor embedding(Tensor table, int[] ids) {
        int dm = table.size(1);
        Tensor out = Tensor.empty(ids.length, dm);
        float[] t = table.data(), o = out.data();
        int off = table.offset();
        Parallel.forChunks(ids.length, Parallel.grain(dm, 1L << 15), (s, e) -> {
            for (int i = s; i < e; i++) System.arraycopy(t, off + ids[i] * dm, o, i * dm, dm);
        });
        return out;
    }

    @Override
    public Tensor embeddingBackward(Tensor grad, int[] ids, int vocab) {
        int dm = grad.size(1);
        double[] acc = new double[vocab * dm];
        float[] g = grad.data();
        int off = grad.offset();
        // parallel over column ranges: every table entry sums its rows in id order on one thread
        int cw = 64;
        Parallel.forChunks((dm + cw - 1) / cw, Parallel.grain((long) ids.length * cw, 1L << 15), (s, e) -> {
            int c0 = s * cw, c1 = Math.min(dm, e * cw);
            for (int i = 0; i < ids.length; i++) {
                int src = off + i * dm, dst = ids[i] * dm;
                for (int j = c0; j < c1; j++) acc[dst + j] += g[src + j];
            }
        });
        Tensor out = Tensor.empty(vocab, dm);
        float[] o = out.data();
        for (int i = 0; i < o.length; i++) o[i] = (float) acc[i];
        return out;
    }

    // ---------------------------------------------------------------- attention, rope

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        return Attention.attention(q, k, v, mask, scale);
    }

    @Override
    public Tensor rope(Tensor x, Tensor sin, Tensor cos) {
        int t = x.size(2), d = x.size(3), rows = x.numel() / Math.max(1, d), half = d / 2;
        Tensor out = Tensor.empty(x.shape());
        float[] dx = x.data(), o = out.data(), ds = sin.data(), dc = cos.data();
        int xo = x.offset(), so = sin.offset(), co = cos.offset();
        Parallel.forChunks(rows, Parallel.grain(d * 4L, 1L << 15), (s, e) -> {
            for (int r = s; r < e; r++) {
                int tok = r % t, b = xo + r * d, oi = r * d, sc = so + tok * d, cc = co + tok * d;
                // first half: x1 cos - x2 sin; second half: x2 cos + x1 sin
                int j = 0;
                for (; j <= half - L; j += L) {
                    FloatVector x1 = FloatVector.fromArray(S, dx, b + j), x2 = FloatVector.fromArray(S, dx, b + half + j);
                    x1.mul(FloatVector.fromArray(S, dc, cc + j)).sub(x2.mul(FloatVector.fromArray(S, ds, sc + j))).intoArray(o, oi + j);
                    x2.mul(FloatVector.fromArray(S, dc, cc + half + j)).add(x1.mul(FloatVector.fromArray(S, ds, sc + half + j))).intoArray(o, oi + half + j);
                }
                for (; j < half; j++) {
                    float x1 = dx[b + j], x2 = dx[b + half + j];
                    o[oi + j] = x1 * dc[cc + j] - x2 * ds[sc + j];
                    o[oi + half + j] = x2 * dc[cc + half + j] + x1 * ds[sc + half + j];
                }
            }
        });
        return out;
    }
}
