package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.parallel.Parallel;

/**
 * {@code C += X W^T} with the weight W [n, k] stored as bfloat16 bits: the weight is widened to float32 on the fly
 * (a bfloat16 is the top half of a float32, so widening is a 16-bit shift and exact) and all arithmetic is float32.
 * Weights stay at half the memory; no float32 copy of a whole weight is ever made.
 *
 * <p>Few rows (sampling's adaLN and timestep MLPs): the weight is streamed once, a chunk of rows widened and
 * transposed at a time, and summed in the packed kernel's order. More rows: the regular packed GEMM, whose B panels are packed straight from the
 * bfloat16 weight (the packing transposes anyway, widening costs nothing extra there).
 */
final class Bf16Linear {
    private Bf16Linear() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Shorts with as many lanes as S has floats, and ints of S's width, for the widening convert. */
    private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;

    /** C[m x n] (row stride ldc) += A[m x k] (row stride lda) W^T, W[j][p] = w[wOff + j*k + p] as bfloat16 bits. */
    static void gemm(int m, int n, int k, float[] a, int aOff, int lda, short[] w, int wOff, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) return;
        if (m <= Gemm.SKINNY_M) {
            // as Skinny's transposed case: a chunk of W's rows widened into a [k][chunk] block, then summed from C
            // with one FMA per p, the packed kernel's order (so the bits equal float32 weights' on either path)
            int chunk = 4 * L;
            int grain = Parallel.grain((long) k * chunk * (m + 1), 1L << 15);
            Parallel.forChunks((n + chunk - 1) / chunk, grain, (s, e) -> {
                float[] bt = Skinny.scratch(k * chunk);
                for (int ch = s; ch < e; ch++) {
                    int j0 = ch * chunk, cols = Math.min(chunk, n - j0);
                    for (int j = 0; j < cols; j++) {
                        int src = wOff + (j0 + j) * k;
                        for (int p = 0; p < k; p++) bt[p * chunk + j] = Float.intBitsToFloat(w[src + p] << 16);
                    }
                    for (int i = 0; i < m; i++) {
                        int ci = cOff + i * ldc + j0, ai = aOff + i * lda;
                        if (cols == chunk) Skinny.rowChunk4(k, a, ai, 1, bt, 0, chunk, c, ci);
                        else Skinny.rowTail(k, cols, a, ai, 1, bt, 0, chunk, c, ci);
                    }
                }
            });
            return;
        }
        Gemm.gemm(m, n, k, a, aOff, lda, false, (Gemm.RowPacker) (bp, off, jp, r0, r1) -> packRows(k, n, w, wOff, bp, off, jp, r0, r1),
                c, cOff, ldc);
    }

    /** L bfloat16 values from {@code y[i..]} as floats: sign-extend to ints, shift into the high half, reinterpret. */
    static FloatVector widen(short[] y, int i) {
        IntVector v = (IntVector) ShortVector.fromArray(SS, y, i).convertShape(VectorOperators.S2I, SI, 0);
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Rows [r0, r1) (a K block) of panel {@code jp} (NR output columns) of B = W^T into {@code bp} at
     * {@code off + r0*NR}, as the GEMM asks right before using them; zero-padded past n. With 16-float vectors, 16 x 16
     * blocks are widened into a scratch tile and transposed in registers ({@link Gemm#transposeBlock}); the rest, and
     * other vector widths, go element by element.
     */
    static void packRows(int k, int n, short[] w, int wOff, float[] bp, int off, int jp, int r0, int r1) {
        int nr = Gemm.NR, j0 = jp * nr, cols = Math.min(nr, n - j0), kc = r1 - r0, base = off + r0 * nr;
        int jv = 0, kv = 0;
        if (Gemm.TRANSPOSE) {
            jv = cols - cols % L;
            kv = kc - kc % L;
            float[] tile = new float[L * L];
            for (int jj = 0; jj < jv; jj += L)
                for (int p = 0; p < kv; p += L) {
                    for (int i = 0; i < L; i++) widen(w, wOff + (j0 + jj + i) * k + r0 + p).intoArray(tile, i * L);
                    Gemm.transposeBlock(tile, 0, L, bp, base + p * nr + jj, nr);
                }
        }
        for (int jj = 0; jj < cols; jj++) {
            int src = wOff + (j0 + jj) * k + r0;
            for (int p = jj < jv ? kv : 0; p < kc; p++) bp[base + p * nr + jj] = Float.intBitsToFloat(w[src + p] << 16);
        }
        if (cols < nr)
            for (int p = 0; p < kc; p++)
                for (int jj = cols; jj < nr; jj++) bp[base + p * nr + jj] = 0f;
    }
}
