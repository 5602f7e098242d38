package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.parallel.Parallel;

/**
 * GEMM for very few rows of C (matrix-vector and friends): packing B would cost as much as the product, so these
 * kernels stream B once. Parallel over column chunks of C; each C element is reduced by one thread in k order, and
 * exactly as the packed micro-kernel does it (start from C, one FMA per p), so a row's bits never depend on whether
 * its product took this path or the packed one.
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
            // B(p, j) = b[j*ldb + p]: a chunk of B's columns is transposed into a [k][chunk] scratch block, then
            // summed as above. A dot product per C element would be quicker to write but would sum in another order
            // than the packed kernel (C, then one FMA per p), so a row's result would depend on how many rows the
            // product has: a batch of 2 and a batch of 6 would give different bits for the same image.
            int chunk = 4 * L;
            int grain = Parallel.grain((long) k * chunk * (m + 1), 1L << 15);
            int chunks = (n + chunk - 1) / chunk;
            Parallel.forChunks(chunks, grain, (s, e) -> {
                float[] bt = scratch(k * chunk);
                for (int ch = s; ch < e; ch++) {
                    int j0 = ch * chunk, cols = Math.min(chunk, n - j0);
                    for (int j = 0; j < cols; j++) {
                        int src = bOff + (j0 + j) * ldb;
                        for (int p = 0; p < k; p++) bt[p * chunk + j] = b[src + p];
                    }
                    for (int i = 0; i < m; i++) {
                        int ci = cOff + i * ldc + j0, ai = aOff + i * ars;
                        if (cols == chunk) rowChunk4(k, a, ai, acs, bt, 0, chunk, c, ci);
                        else rowTail(k, cols, a, ai, acs, bt, 0, chunk, c, ci);
                    }
                }
            });
        }
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    static float[] scratch(int size) {
        float[][] h = SCRATCH.get();
        if (h[0].length < size) h[0] = new float[size];
        return h[0];
    }

    static void rowChunk4(int k, float[] a, int ai, int acs, float[] b, int bi, int ldb, float[] c, int ci) {
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

    static void rowTail(int k, int cols, float[] a, int ai, int acs, float[] b, int bi, int ldb, float[] c, int ci) {
        for (int j = 0; j < cols; j++) {
            float s = c[ci + j];
            for (int p = 0; p < k; p++) s = Math.fma(a[ai + p * acs], b[bi + p * ldb + j], s);
            c[ci + j] = s;
        }
    }
}
