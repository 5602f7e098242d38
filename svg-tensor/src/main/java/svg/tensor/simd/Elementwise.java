package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.Tensor;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.UnaryOp;
import svg.tensor.parallel.Parallel;
import svg.tensor.reference.ReferenceBackend;

/**
 * Unary and binary elementwise kernels. Operands are reduced to "rows" over a coalesced last axis: contiguous rows
 * and stride-0 (broadcast) rows take vector loops, any other stride a scalar loop. Elementwise ops have no
 * reductions, so any chunking gives the same bits; chunks are still fixed by size only.
 */
final class Elementwise {
    private Elementwise() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements per parallel chunk: large enough that the fork costs little. */
    private static final int GRAIN = 1 << 15;

    // ---------------------------------------------------------------- unary

    static Tensor unary(UnaryOp op, Tensor x) {
        Tensor out = Tensor.empty(x.shape());
        float[] o = out.data(), d = x.data();
        int n = o.length;
        if (n == 0) return out;
        if (x.isContiguous()) {
            int off = x.offset();
            Parallel.forChunks(n, GRAIN, (s, e) -> unaryRun(op, d, off + s, 1, o, s, e - s));
            return out;
        }
        Layout lay = Layout.of(x.shape(), x.strides(), null);
        int len = lay.inner, rows = n / len, st = lay.innerStrideA;
        Parallel.forChunks(rows, Math.max(1, GRAIN / len), (s, e) -> {
            for (int r = s; r < e; r++) unaryRun(op, d, x.offset() + lay.offsetA(r), st, o, r * len, len);
        });
        return out;
    }

    /** o[oi .. oi+n) = op(d[di + i*stride]). */
    static void unaryRun(UnaryOp op, float[] d, int di, int stride, float[] o, int oi, int n) {
        int i = 0;
        if (stride == 1) {
            int up = n - L;
            switch (op) {
                case NEG -> { for (; i <= up; i += L) FloatVector.fromArray(S, d, di + i).neg().intoArray(o, oi + i); }
                case ABS -> { for (; i <= up; i += L) FloatVector.fromArray(S, d, di + i).abs().intoArray(o, oi + i); }
                case SQRT -> { for (; i <= up; i += L) FloatVector.fromArray(S, d, di + i).sqrt().intoArray(o, oi + i); }
                case RSQRT -> { for (; i <= up; i += L) VMath.ONE.div(FloatVector.fromArray(S, d, di + i).sqrt()).intoArray(o, oi + i); }
                case EXP -> { for (; i <= up; i += L) VMath.exp(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case TANH -> { for (; i <= up; i += L) VMath.tanh(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case SIGMOID -> { for (; i <= up; i += L) VMath.sigmoid(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case GELU -> { for (; i <= up; i += L) VMath.gelu(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case GELU_TANH -> { for (; i <= up; i += L) VMath.geluTanh(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case SILU -> { for (; i <= up; i += L) VMath.silu(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case STEP -> {
                    for (; i <= up; i += L) {
                        FloatVector v = FloatVector.fromArray(S, d, di + i);
                        FloatVector.zero(S).blend(1f, v.compare(VectorOperators.GT, 0f)).intoArray(o, oi + i);
                    }
                }
                case GELU_GRAD -> { for (; i <= up; i += L) VMath.geluGrad(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case GELU_TANH_GRAD -> { for (; i <= up; i += L) VMath.geluTanhGrad(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case SILU_GRAD -> { for (; i <= up; i += L) VMath.siluGrad(FloatVector.fromArray(S, d, di + i)).intoArray(o, oi + i); }
                case LOG -> { } // no exact-everywhere vector log here: the scalar loop below (Math.log is deterministic)
            }
        }
        else if (op != UnaryOp.LOG && n >= L) {
            // gather the strided run into the output slot, then transform it in place with the vector path
            for (int j = 0; j < n; j++) o[oi + j] = d[di + j * stride];
            unaryRun(op, o, oi, 1, o, oi, n);
            return;
        }
        for (; i < n; i++) o[oi + i] = scalar(op, d[di + i * stride]);
    }

    /** One element, computed as the vector path would (so a tail element equals its vector neighbours' math). */
    static float scalar(UnaryOp op, float x) {
        return switch (op) {
            case LOG -> (float) Math.log(x);
            case NEG, ABS, SQRT, RSQRT, STEP -> (float) ReferenceBackend.unaryScalar(op, x);
            default -> {
                float[] one = new float[L];
                one[0] = x;
                float[] r = new float[L];
                unaryRun(op, one, 0, 1, r, 0, L);
                yield r[0];
            }
        };
    }

    // ---------------------------------------------------------------- binary

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        Tensor out = Tensor.empty(a.shape());
        float[] o = out.data(), da = a.data(), db = b.data();
        int n = o.length;
        if (n == 0) return out;
        if (a.isContiguous() && b.isContiguous()) {
            int oa = a.offset(), ob = b.offset();
            Parallel.forChunks(n, GRAIN, (s, e) -> binaryRun(op, da, oa + s, 1, db, ob + s, 1, o, s, e - s));
            return out;
        }
        Layout lay = Layout.of(a.shape(), a.strides(), b.strides());
        int len = lay.inner, rows = n / len, sa = lay.innerStrideA, sb = lay.innerStrideB;
        Parallel.forChunks(rows, Math.max(1, GRAIN / len), (s, e) -> {
            for (int r = s; r < e; r++)
                binaryRun(op, da, a.offset() + lay.offsetA(r), sa, db, b.offset() + lay.offsetB(r), sb, o, r * len, len);
        });
        return out;
    }

    static void binaryRun(BinaryOp op, float[] a, int ai, int sa, float[] b, int bi, int sb, float[] o, int oi, int n) {
        int i = 0, up = n - L;
        if (op != BinaryOp.POW) {
            if (sa == 1 && sb == 1) {
                for (; i <= up; i += L)
                    apply(op, FloatVector.fromArray(S, a, ai + i), FloatVector.fromArray(S, b, bi + i)).intoArray(o, oi + i);
            } else if (sa == 1 && sb == 0) {
                FloatVector y = FloatVector.broadcast(S, b[bi]);
                for (; i <= up; i += L) apply(op, FloatVector.fromArray(S, a, ai + i), y).intoArray(o, oi + i);
            } else if (sa == 0 && sb == 1) {
                FloatVector x = FloatVector.broadcast(S, a[ai]);
                for (; i <= up; i += L) apply(op, x, FloatVector.fromArray(S, b, bi + i)).intoArray(o, oi + i);
            }
        }
        for (; i < n; i++) o[oi + i] = (float) ReferenceBackend.binaryScalar(op, a[ai + i * sa], b[bi + i * sb]);
    }

    private static FloatVector apply(BinaryOp op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case MAX -> x.max(y);
            case GE -> FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GE, y));
            case POW -> throw new AssertionError("pow has no vector path");
        };
    }

    /**
     * A strided view split into rows along a coalesced innermost run: adjacent axes merge when both operands step
     * through them as one run (stride[d-1] == stride[d] * shape[d]), so a contiguous tensor plus a broadcast bias
     * becomes long rows.
     */
    static final class Layout {
        final int[] outer, strideA, strideB;
        final int inner, innerStrideA, innerStrideB;

        private Layout(int[] outer, int[] sa, int[] sb, int inner, int isa, int isb) {
            this.outer = outer; this.strideA = sa; this.strideB = sb;
            this.inner = inner; this.innerStrideA = isa; this.innerStrideB = isb;
        }

        static Layout of(int[] shape, int[] sa, int[] sb) {
            int nd = shape.length;
            if (nd == 0) return new Layout(new int[0], new int[0], new int[0], 1, 0, 0);
            int[] sh = new int[nd], a = new int[nd], b = new int[nd];
            int k = 0;
            for (int d = 0; d < nd; d++) {
                if (shape[d] == 1) continue; // size-1 axes never move the index
                sh[k] = shape[d]; a[k] = sa[d]; b[k] = sb == null ? 0 : sb[d];
                if (k > 0 && a[k - 1] == a[k] * sh[k] && (sb == null || b[k - 1] == b[k] * sh[k])) {
                    sh[k - 1] *= sh[k]; a[k - 1] = a[k]; b[k - 1] = b[k];
                } else k++;
            }
            if (k == 0) return new Layout(new int[0], new int[0], new int[0], 1, 0, 0);
            return new Layout(java.util.Arrays.copyOf(sh, k - 1), java.util.Arrays.copyOf(a, k - 1),
                    java.util.Arrays.copyOf(b, k - 1), sh[k - 1], a[k - 1], b[k - 1]);
        }

        int offsetA(int row) { return offset(row, strideA); }

        int offsetB(int row) { return offset(row, strideB); }

        private int offset(int row, int[] st) {
            int p = 0;
            for (int d = outer.length - 1; d >= 0; d--) {
                int s = outer[d];
                p += (row % s) * st[d];
                row /= s;
            }
            return p;
        }
    }
}
