package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.parallel.Parallel;

/**
 * GEMM for very few rows of C (matrix-vector and friends): packing B would cost as much as the product, so these
 * kernels stream B once. Parallel over column chunks of C; each C element is reduced by one thread in k order.
 */
final class Skinny {
    private Skinny() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    static void gemm(int m, int n, int k, float[] a, int aOff, int lda, boolean ta,
                     float[] b, int bOff, int ldb, boolean tb, float[] c, int cOff, int ldc) {
        // A(i, p) as (row stride, column stride)
        int ars = ta ? 1 : lda, acs = ta ? lda : 1;
        if (!tb) {
            // B rows are contiguous along j: C row += A(i,p) * B row p, vectorised over a chunk of columns
            int chunk = 4 * L;
            int grain = Parallel.grain((long) k * chunk * m, 1L << 15);
            int chunks = (n + chunk - 1) / chunk;
            Parallel.forChunks(chunks, grain, (s, e) -> {
                for (int ch = s; ch < e; ch++) {
                    int j0 = ch * chunk, cols = Math.min(chunk, n - j0);
                    for (int i = 0; i < m; i++) {
                        int ci = cOff + i * ldc + j0, ai = aOff + i * ars;
                        if (cols == chunk) rowChunk4(k, a, ai, acs, b, bOff + j0, ldb, c, ci);
                        else rowTail(k, cols, a, ai, acs, b, bOff + j0, ldb, c, ci);
                    }
                }
            });
        } else {
            // B(p, j) = b[j*ldb + p]: column j of B is a contiguous run along k, so C(i,j) is a dot product
            int grain = Parallel.grain((long) k * m, 1L << 15);
            Parallel.forChunks(n, grain, (s, e) -> {
                for (int j = s; j < e; j++) {
                    int bj = bOff + j * ldb;
                    for (int i = 0; i < m; i++) {
                        int ai = aOff + i * ars;
                        c[cOff + i * ldc + j] += acs == 1 ? dot(k, a, ai, b, bj) : dotStrided(k, a, ai, acs, b, bj);
                    }
                }
            });
        }
    }

    private static void rowChunk4(int k, float[] a, int ai, int acs, float[] b, int bi, int ldb, float[] c, int ci) {
        FloatVector s0 = FloatVector.fromArray(S, c, ci), s1 = FloatVector.fromArray(S, c, ci + L);
        FloatVector s2 = FloatVector.fromArray(S, c, ci + 2 * L), s3 = FloatVector.fromArray(S, c, ci + 3 * L);
        for (int p = 0; p < k; p++) {
            FloatVector x = FloatVector.broadcast(S, a[ai + p * acs]);
            int r = bi + p * ldb;
            s0 = x.fma(FloatVector.fromArray(S, b, r), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, r + L), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, r + 2 * L), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, r + 3 * L), s3);
        }
        s0.intoArray(c, ci); s1.intoArray(c, ci + L); s2.intoArray(c, ci + 2 * L); s3.intoArray(c, ci + 3 * L);
    }

    private static void rowTail(int k, int cols, float[] a, int ai, int acs, float[] b, int bi, int ldb, float[] c, int ci) {
        for (int j = 0; j < cols; j++) {
            float s = c[ci + j];
            for (int p = 0; p < k; p++) s = Math.fma(a[ai + p * acs], b[bi + p * ldb + j], s);
            c[ci + j] = s;
        }
    }

    /** Dot product of two contiguous runs, vector partial sums then a fixed-order lane reduction. */
    static float dot(int k, float[] x, int xi, float[] y, int yi) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            s0 = FloatVector.fromArray(S, x, xi + p).fma(FloatVector.fromArray(S, y, yi + p), s0);
            s1 = FloatVector.fromArray(S, x, xi + p + L).fma(FloatVector.fromArray(S, y, yi + p + L), s1);
        }
        float s = VMath.sum(s0.add(s1));
        for (; p < k; p++) s = Math.fma(x[xi + p], y[yi + p], s);
        return s;
    }

    private static float dotStrided(int k, float[] x, int xi, int xs, float[] y, int yi) {
        float s = 0;
        for (int p = 0; p < k; p++) s = Math.fma(x[xi + p * xs], y[yi + p], s);
        return s;
    }
}
