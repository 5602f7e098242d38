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

    /** o[oi .. oi+n) = op(d[di + i*stride]); strided runs are gathered into the output slot first. */
    static void unaryRun(UnaryOp op, float[] d, int di, int stride, float[] o, int oi, int n) {
        if (stride == 1) {
            UnaryLoops.run(op, d, di, o, oi, n);
            return;
        }
        for (int j = 0; j < n; j++) o[oi + j] = d[di + j * stride];
        UnaryLoops.run(op, o, oi, o, oi, n);
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
        BinaryLoops.run(op, a, ai, sa, b, bi, sb, o, oi, n);
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
