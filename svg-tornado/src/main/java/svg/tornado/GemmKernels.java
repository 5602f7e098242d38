package svg.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import static svg.tornado.Kernels.TS;
import static svg.tornado.Kernels.WOFF;

/**
 * Matrix products (matmul, linear): the plain 16x16 tile ({@link #gemm}, {@code -Dsvg.tornado.gemm=tile16}), the 4x4
 * register-blocked default ({@link #gemm4x4}) and its bfloat16-weight twin ({@link #gemm4x4Bf16}). All share one
 * contract (ip layout, grid), so the backend picks one by name without changing the launch.
 */
public final class GemmKernels {
    private GemmKernels() {}

    /**
     * Batched, optionally transposed GEMM with an optional bias over columns, tiled through local memory.
     * ip: [M, N, K, transA, transB, batchStrideA, batchStrideB, hasBias]. A is [K, M] when transA else [M, K]; B is
     * [N, K] when transB else [K, N]. Grid: (ceil16(N), ceil16(M), batch) in 16x16x1 groups. Out: [batch, M, N].
     */
    public static void gemm(KernelContext c, IntArray ip, FloatArray fp, FloatArray a, FloatArray b, FloatArray bias,
                            FloatArray e, FloatArray out) {
        int m = ip.get(0);
        int n = ip.get(1);
        int k = ip.get(2);
        int ta = ip.get(3);
        int tb = ip.get(4);
        int aBase = c.globalIdz * ip.get(5);
        int bBase = c.globalIdz * ip.get(6) + ip.get(WOFF + 1);
        int tx = c.localIdx;
        int ty = c.localIdy;
        int col = c.groupIdx * TS + tx;
        int row = c.groupIdy * TS + ty;
        float[] as = c.allocateFloatLocalArray(TS * TS);
        float[] bs = c.allocateFloatLocalArray(TS * TS);
        float acc = 0.0f;
        for (int t = 0; t < k; t += TS) {
            int ak = t + tx;
            float av = 0.0f;
            if (row < m && ak < k) {
                if (ta == 1) av = a.get(aBase + ak * m + row);
                else av = a.get(aBase + row * k + ak);
            }
            as[ty * TS + tx] = av;
            int bk = t + ty;
            float bv = 0.0f;
            if (col < n && bk < k) {
                if (tb == 1) bv = b.get(bBase + col * k + bk);
                else bv = b.get(bBase + bk * n + col);
            }
            bs[ty * TS + tx] = bv;
            c.localBarrier();
            for (int kk = 0; kk < TS; kk++) acc += as[ty * TS + kk] * bs[kk * TS + tx];
            c.localBarrier();
        }
        if (row < m && col < n) {
            if (ip.get(7) == 1) acc += bias.get(ip.get(WOFF + 2) + col);
            out.set((c.globalIdz * m + row) * n + col, acc);
        }
    }

    /** Output tile edge of the register-blocked GEMM: each 16x16 work-group computes 64x64 outputs, 4x4 per item. */
    public static final int BT = 64;

    /** Element (row, kk) of A, or 0 outside [m, k]: A is [K, M] when transposed, else [M, K]. */
    static float loadA(FloatArray a, int base, int ta, int m, int k, int row, int kk) {
        float v = 0.0f;
        if (row < m && kk < k) {
            if (ta == 1) v = a.get(base + kk * m + row);
            else v = a.get(base + row * k + kk);
        }
        return v;
    }

    /** Element (kk, col) of B, or 0 outside [k, n]: B is [N, K] when transposed, else [K, N]. */
    static float loadB(FloatArray b, int base, int tb, int n, int k, int kk, int col) {
        float v = 0.0f;
        if (col < n && kk < k) {
            if (tb == 1) v = b.get(base + col * k + kk);
            else v = b.get(base + kk * n + col);
        }
        return v;
    }

    static void store(FloatArray out, FloatArray bias, int biasOff, int hasBias, int outBase, int m, int n, int row, int col,
                      float v) {
        if (row < m && col < n) {
            float r = v;
            if (hasBias == 1) r += bias.get(biasOff + col);
            out.set(outBase + row * n + col, r);
        }
    }

    /**
     * Register-blocked GEMM, same contract as {@link #gemm}: a 16x16 work-group stages 64x16 of A and 16x64 of B in
     * local memory per step and each work-item accumulates a 4x4 block of outputs in registers (rows ty + 16i,
     * columns tx + 16j, so neighbouring items read neighbouring local-memory words). Four times fewer local loads per
     * multiply-add than the 16x16 tile. Grid: (16 ceil(N/64), 16 ceil(M/64), batch) in 16x16x1 groups.
     */
    public static void gemm4x4(KernelContext c, IntArray ip, FloatArray fp, FloatArray a, FloatArray b, FloatArray bias,
                               FloatArray e, FloatArray out) {
        int m = ip.get(0);
        int n = ip.get(1);
        int k = ip.get(2);
        int ta = ip.get(3);
        int tb = ip.get(4);
        int z = c.globalIdz;
        int aBase = z * ip.get(5);
        int bBase = z * ip.get(6) + ip.get(WOFF + 1);
        int hasBias = ip.get(7);
        int biasOff = ip.get(WOFF + 2);
        int outBase = z * m * n;
        int tx = c.localIdx;
        int ty = c.localIdy;
        int l = ty * TS + tx;
        int row0 = c.groupIdy * BT + ty;
        int col0 = c.groupIdx * BT + tx;
        int tileRow = c.groupIdy * BT;
        int tileCol = c.groupIdx * BT;
        float[] as = c.allocateFloatLocalArray(TS * BT);
        float[] bs = c.allocateFloatLocalArray(TS * BT);
        float c00 = 0.0f;
        float c01 = 0.0f;
        float c02 = 0.0f;
        float c03 = 0.0f;
        float c10 = 0.0f;
        float c11 = 0.0f;
        float c12 = 0.0f;
        float c13 = 0.0f;
        float c20 = 0.0f;
        float c21 = 0.0f;
        float c22 = 0.0f;
        float c23 = 0.0f;
        float c30 = 0.0f;
        float c31 = 0.0f;
        float c32 = 0.0f;
        float c33 = 0.0f;
        for (int t = 0; t < k; t += TS) {
            for (int q = 0; q < 4; q++) {
                int idx = l + q * TS * TS;
                // neighbouring items load neighbouring addresses (coalesced on a GPU) whichever way A and B are laid
                // out: along K when the operand is stored row by row ([M, K] A, transposed [N, K] B: a linear
                // layer's weight), along M or N otherwise
                int r = ta == 1 ? idx % BT : idx / TS;
                int kk = ta == 1 ? idx / BT : idx % TS;
                as[kk * BT + r] = loadA(a, aBase, ta, m, k, tileRow + r, t + kk);
                int kb = tb == 1 ? idx % TS : idx / BT;
                int cc = tb == 1 ? idx / TS : idx % BT;
                bs[kb * BT + cc] = loadB(b, bBase, tb, n, k, t + kb, tileCol + cc);
            }
            c.localBarrier();
            for (int kk = 0; kk < TS; kk++) {
                float a0 = as[kk * BT + ty];
                float a1 = as[kk * BT + ty + 16];
                float a2 = as[kk * BT + ty + 32];
                float a3 = as[kk * BT + ty + 48];
                float b0 = bs[kk * BT + tx];
                float b1 = bs[kk * BT + tx + 16];
                float b2 = bs[kk * BT + tx + 32];
                float b3 = bs[kk * BT + tx + 48];
                c00 += a0 * b0;
                c01 += a0 * b1;
                c02 += a0 * b2;
                c03 += a0 * b3;
                c10 += a1 * b0;
                c11 += a1 * b1;
                c12 += a1 * b2;
                c13 += a1 * b3;
                c20 += a2 * b0;
                c21 += a2 * b1;
                c22 += a2 * b2;
                c23 += a2 * b3;
                c30 += a3 * b0;
                c31 += a3 * b1;
                c32 += a3 * b2;
                c33 += a3 * b3;
            }
            c.localBarrier();
        }
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 0, c00);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 16, c01);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 32, c02);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 48, c03);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 0, c10);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 16, c11);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 32, c12);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 48, c13);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 0, c20);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 16, c21);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 32, c22);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 48, c23);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 0, c30);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 16, c31);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 32, c32);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 48, c33);
    }

    /**
     * {@link #gemm4x4} with B as bfloat16 bits (a linear layer's weight kept at half the memory on the device): each
     * element is widened exactly when its tile is staged in local memory, so the inner loop is the FP32 one.
     * {@code pow2} is {@link Bf16#bf16Pow2Table()} (no bit reinterpretation: TornadoVM's OpenCL backend cannot compile
     * {@code Float.intBitsToFloat}).
     */
    public static void gemm4x4Bf16(KernelContext c, IntArray ip, FloatArray fp, FloatArray a, ShortArray b,
                                   FloatArray bias, FloatArray pow2, FloatArray out) {
        int m = ip.get(0);
        int n = ip.get(1);
        int k = ip.get(2);
        int ta = ip.get(3);
        int tb = ip.get(4);
        int z = c.globalIdz;
        int aBase = z * ip.get(5);
        int bBase = z * ip.get(6) + ip.get(WOFF + 1);
        int hasBias = ip.get(7);
        int biasOff = ip.get(WOFF + 2);
        int outBase = z * m * n;
        int tx = c.localIdx;
        int ty = c.localIdy;
        int l = ty * TS + tx;
        int row0 = c.groupIdy * BT + ty;
        int col0 = c.groupIdx * BT + tx;
        int tileRow = c.groupIdy * BT;
        int tileCol = c.groupIdx * BT;
        float[] as = c.allocateFloatLocalArray(TS * BT);
        float[] bs = c.allocateFloatLocalArray(TS * BT);
        float c00 = 0.0f;
        float c01 = 0.0f;
        float c02 = 0.0f;
        float c03 = 0.0f;
        float c10 = 0.0f;
        float c11 = 0.0f;
        float c12 = 0.0f;
        float c13 = 0.0f;
        float c20 = 0.0f;
        float c21 = 0.0f;
        float c22 = 0.0f;
        float c23 = 0.0f;
        float c30 = 0.0f;
        float c31 = 0.0f;
        float c32 = 0.0f;
        float c33 = 0.0f;
        for (int t = 0; t < k; t += TS) {
            for (int q = 0; q < 4; q++) {
                int idx = l + q * TS * TS;
                // neighbouring items load neighbouring addresses (coalesced on a GPU) whichever way A and B are laid
                // out: along K when the operand is stored row by row ([M, K] A, transposed [N, K] B: a linear
                // layer's weight), along M or N otherwise
                int r = ta == 1 ? idx % BT : idx / TS;
                int kk = ta == 1 ? idx / BT : idx % TS;
                as[kk * BT + r] = loadA(a, aBase, ta, m, k, tileRow + r, t + kk);
                int kb = tb == 1 ? idx % TS : idx / BT;
                int cc = tb == 1 ? idx / TS : idx % BT;
                bs[kb * BT + cc] = loadBbf16(b, pow2, bBase, tb, n, k, t + kb, tileCol + cc);
            }
            c.localBarrier();
            for (int kk = 0; kk < TS; kk++) {
                float a0 = as[kk * BT + ty];
                float a1 = as[kk * BT + ty + 16];
                float a2 = as[kk * BT + ty + 32];
                float a3 = as[kk * BT + ty + 48];
                float b0 = bs[kk * BT + tx];
                float b1 = bs[kk * BT + tx + 16];
                float b2 = bs[kk * BT + tx + 32];
                float b3 = bs[kk * BT + tx + 48];
                c00 += a0 * b0;
                c01 += a0 * b1;
                c02 += a0 * b2;
                c03 += a0 * b3;
                c10 += a1 * b0;
                c11 += a1 * b1;
                c12 += a1 * b2;
                c13 += a1 * b3;
                c20 += a2 * b0;
                c21 += a2 * b1;
                c22 += a2 * b2;
                c23 += a2 * b3;
                c30 += a3 * b0;
                c31 += a3 * b1;
                c32 += a3 * b2;
                c33 += a3 * b3;
            }
            c.localBarrier();
        }
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 0, c00);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 16, c01);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 32, c02);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 0, col0 + 48, c03);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 0, c10);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 16, c11);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 32, c12);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 16, col0 + 48, c13);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 0, c20);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 16, c21);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 32, c22);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 32, col0 + 48, c23);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 0, c30);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 16, c31);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 32, c32);
        store(out, bias, biasOff, hasBias, outBase, m, n, row0 + 48, col0 + 48, c33);
    }

    /** Element (kk, col) of B given as bfloat16 bits, widened to float32; 0 outside the matrix. */
    static float loadBbf16(ShortArray b, FloatArray pow2, int base, int tb, int n, int k, int kk, int col) {
        float v = 0.0f;
        if (col < n && kk < k) {
            if (tb == 1) v = Bf16.bf16(b.get(base + col * k + kk), pow2);
            else v = Bf16.bf16(b.get(base + kk * n + col), pow2);
        }
        return v;
    }
}
