package svg.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The FP32 device kernels. TornadoVM compiles these Java methods to OpenCL C (or PTX) at the first execution of a
 * plan. Every kernel has the same signature (context, int params, float params, four inputs, one output) so that one
 * plan class serves them all; unused inputs are one-element dummies. Sizes arrive in {@code ip} at run time rather
 * than as compile-time constants, so one compiled kernel serves every shape that fits its buffers.
 *
 * <p>Kernel-side restrictions (TornadoVM): no allocation except local arrays of constant size, no exceptions, no
 * enums; helpers are static and get inlined. Work-group barriers are never skipped by some items of a group: bounds
 * are checked around loads and stores, never with an early return before a barrier.
 */
public final class Kernels {
    private Kernels() {}

    /** GEMM tile edge: a 16x16 work-group computes a 16x16 output tile from 16x16 tiles of A and B in local memory. */
    public static final int TS = 16;
    /** Work-group size of the row-reduction kernels (softmax, norms). */
    public static final int RS = 64;
    /** Work-group size of the one-item-per-element kernels. */
    public static final int ES = 64;

    // unary op codes (host maps svg.tensor.backend.UnaryOp onto these)
    public static final int NEG = 0, ABS = 1, EXP = 2, LOG = 3, SQRT = 4, RSQRT = 5, TANH = 6, SIGMOID = 7, GELU = 8,
            GELU_TANH = 9, SILU = 10, STEP = 11, GELU_GRAD = 12, GELU_TANH_GRAD = 13, SILU_GRAD = 14;
    // binary op codes
    public static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, POW = 5, GE = 6;
    /** Binary op code that copies its first operand: a strided view made compact on the device. */
    public static final int COPY = 7;

    /** Number of axes the strided binary kernel walks; shorter shapes are padded with leading size-1 axes. */
    public static final int MAXDIM = 6;

    private static final float SQRT_HALF = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float GELU_C = 0.79788456080286536f;

    /**
     * erfc with a relative error below about 1.2e-7 over the whole line (the Chebyshev fit of Numerical Recipes'
     * erfcc). GELU is computed as 0.5 x erfc(-x/sqrt 2) so that its left tail keeps relative accuracy instead of
     * cancelling in 1 + erf(x).
     */
    static float erfc(float x) {
        float z = TornadoMath.abs(x);
        float t = 1.0f / (1.0f + 0.5f * z);
        float p = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f
                + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float r = t * TornadoMath.exp(-z * z + p);
        return x >= 0.0f ? r : 2.0f - r;
    }

    /** 1 / (1 + e^-x) written so that neither tail overflows into a NaN. */
    static float sigmoid(float x) {
        if (x >= 0.0f) return 1.0f / (1.0f + TornadoMath.exp(-x));
        float e = TornadoMath.exp(x);
        return e / (1.0f + e);
    }

    static float unaryOp(int op, float x) {
        float r;
        if (op == NEG) r = -x;
        else if (op == ABS) r = TornadoMath.abs(x);
        else if (op == EXP) r = TornadoMath.exp(x);
        else if (op == LOG) r = TornadoMath.log(x);
        else if (op == SQRT) r = TornadoMath.sqrt(x);
        else if (op == RSQRT) r = 1.0f / TornadoMath.sqrt(x);
        else if (op == TANH) r = TornadoMath.tanh(x);
        else if (op == SIGMOID) r = sigmoid(x);
        else if (op == GELU) r = 0.5f * x * erfc(-x * SQRT_HALF);
        else if (op == GELU_TANH) {
            // 0.5 x (1 + tanh u) = x * sigmoid(2u): no cancellation in the left tail
            float u = GELU_C * (x + 0.044715f * x * x * x);
            r = x * sigmoid(2.0f * u);
        } else if (op == SILU) r = x * sigmoid(x);
        else if (op == STEP) r = x > 0.0f ? 1.0f : 0.0f;
        else if (op == GELU_GRAD) r = 0.5f * erfc(-x * SQRT_HALF) + x * TornadoMath.exp(-0.5f * x * x) * INV_SQRT_2PI;
        else if (op == GELU_TANH_GRAD) {
            float u = GELU_C * (x + 0.044715f * x * x * x);
            float s = sigmoid(2.0f * u);           // (1 + tanh u) / 2
            float sech2 = 4.0f * s * (1.0f - s);   // 1 - tanh^2 u
            r = s + 0.5f * x * sech2 * GELU_C * (1.0f + 3.0f * 0.044715f * x * x);
        } else {
            // SILU_GRAD: s (1 + x (1 - s)), with 1 - s = sigmoid(-x) computed directly
            float s = sigmoid(x);
            r = s * (1.0f + x * sigmoid(-x));
        }
        return r;
    }

    static float binaryOp(int op, float a, float b) {
        float r;
        if (op == ADD) r = a + b;
        else if (op == SUB) r = a - b;
        else if (op == MUL) r = a * b;
        else if (op == DIV) r = a / b;
        else if (op == MAX) {
            // Java's Math.max: a NaN operand wins (OpenCL fmax would drop it)
            if (a != a) r = a;
            else if (b != b) r = b;
            else r = a >= b ? a : b;
        } else if (op == POW) r = TornadoMath.pow(a, b);
        else if (op == GE) r = a >= b ? 1.0f : 0.0f;
        else r = a;
        return r;
    }

    /** ip: [op, n]; a is contiguous. */
    public static void unary(KernelContext c, IntArray ip, FloatArray fp, FloatArray a, FloatArray b, FloatArray d,
                             FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(1)) out.set(i, unaryOp(ip.get(0), a.get(i)));
    }

    /**
     * ip: [op, n, shape[MAXDIM], stridesA[MAXDIM], stridesB[MAXDIM], offsetA, offsetB]. Operands are strided views
     * (stride 0 for a broadcast axis) whose element 0 is at the buffer index offsetA / offsetB (0 when the host copied
     * the view's span; a view of another kernel's output buffer on the device has its own offset); the output is
     * contiguous.
     */
    public static void binary(KernelContext c, IntArray ip, FloatArray fp, FloatArray a, FloatArray b, FloatArray d,
                              FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(1)) {
            int rest = i;
            int ia = ip.get(2 + 3 * MAXDIM);
            int ib = ip.get(3 + 3 * MAXDIM);
            for (int k = MAXDIM - 1; k >= 0; k--) {
                int s = ip.get(2 + k);
                int q = rest % s;
                rest = rest / s;
                ia += q * ip.get(2 + MAXDIM + k);
                ib += q * ip.get(2 + 2 * MAXDIM + k);
            }
            out.set(i, binaryOp(ip.get(0), a.get(ia), b.get(ib)));
        }
    }

    /**
     * Concatenation of two strided views along one axis. ip: [unused, n, shape[MAXDIM] (of the output),
     * stridesA[MAXDIM], stridesB[MAXDIM], offsetA, offsetB, axis, split] (the same layout as {@link #binary} up to
     * the offsets): output elements whose coordinate on {@code axis} is below {@code split} come from a, the others
     * from b at that coordinate minus split. The output is contiguous.
     */
    public static void cat2(KernelContext c, IntArray ip, FloatArray fp, FloatArray a, FloatArray b, FloatArray d,
                            FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(1)) {
            int axis = ip.get(4 + 3 * MAXDIM);
            int split = ip.get(5 + 3 * MAXDIM);
            int rest = i;
            int ia = ip.get(2 + 3 * MAXDIM);
            int ib = ip.get(3 + 3 * MAXDIM);
            int inA = 1;
            for (int k = MAXDIM - 1; k >= 0; k--) {
                int s = ip.get(2 + k);
                int q = rest % s;
                rest = rest / s;
                int qb = q;
                if (k == axis) {
                    if (q >= split) inA = 0;
                    qb = q - split;
                }
                ia += q * ip.get(2 + MAXDIM + k);
                ib += qb * ip.get(2 + 2 * MAXDIM + k);
            }
            float v;
            if (inA == 1) v = a.get(ia);
            else v = b.get(ib);
            out.set(i, v);
        }
    }

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
        int bBase = c.globalIdz * ip.get(6);
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
            if (ip.get(7) == 1) acc += bias.get(col);
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

    static void store(FloatArray out, FloatArray bias, int hasBias, int outBase, int m, int n, int row, int col, float v) {
        if (row < m && col < n) {
            float r = v;
            if (hasBias == 1) r += bias.get(col);
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
        int bBase = z * ip.get(6);
        int hasBias = ip.get(7);
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
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 0, c00);
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 16, c01);
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 32, c02);
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 48, c03);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 0, c10);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 16, c11);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 32, c12);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 48, c13);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 0, c20);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 16, c21);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 32, c22);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 48, c23);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 0, c30);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 16, c31);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 32, c32);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 48, c33);
    }

    /**
     * {@link #gemm4x4} with B as bfloat16 bits (a linear layer's weight kept at half the memory on the device): each
     * element is widened exactly when its tile is staged in local memory, so the inner loop is the FP32 one.
     * {@code pow2} is {@link #bf16Pow2Table()} (no bit reinterpretation: TornadoVM's OpenCL backend cannot compile
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
        int bBase = z * ip.get(6);
        int hasBias = ip.get(7);
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
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 0, c00);
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 16, c01);
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 32, c02);
        store(out, bias, hasBias, outBase, m, n, row0 + 0, col0 + 48, c03);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 0, c10);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 16, c11);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 32, c12);
        store(out, bias, hasBias, outBase, m, n, row0 + 16, col0 + 48, c13);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 0, c20);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 16, c21);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 32, c22);
        store(out, bias, hasBias, outBase, m, n, row0 + 32, col0 + 48, c23);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 0, c30);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 16, c31);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 32, c32);
        store(out, bias, hasBias, outBase, m, n, row0 + 48, col0 + 48, c33);
    }


    /** Element (kk, col) of B given as bfloat16 bits, widened to float32; 0 outside the matrix. */
    static float loadBbf16(ShortArray b, FloatArray pow2, int base, int tb, int n, int k, int kk, int col) {
        float v = 0.0f;
        if (col < n && kk < k) {
            if (tb == 1) v = bf16(b.get(base + col * k + kk), pow2);
            else v = bf16(b.get(base + kk * n + col), pow2);
        }
        return v;
    }

    /**
     * bfloat16 bits to float32, exactly, by arithmetic: sign, 8-bit exponent, 7-bit mantissa; the power of two comes
     * from a 256-entry table (exact), subnormals have no implicit 1, exponent 255 is infinity or (mantissa != 0) NaN.
     * Integer division rather than shifts and masks keeps the field extraction signedness-proof on every backend.
     */
    static float bf16(short bits, FloatArray pow2) {
        int u = bits;
        if (u < 0) u = u + 65536;
        int sign = u / 32768;
        int rest = u - sign * 32768;
        int exp = rest / 128;
        int mant = rest - exp * 128;
        float sig = mant * (1.0f / 128.0f);
        if (exp != 0) sig = sig + 1.0f;
        if (exp == 255 && mant != 0) sig = 0.0f; // 0 * infinity: NaN
        float r = sig * pow2.get(exp);
        if (sign == 1) r = -r;
        return r;
    }

    /** 2^(e-127) for exponent field e in 1..254, 2^-126 for e = 0 (subnormals), infinity for e = 255. */
    static float[] bf16Pow2Table() {
        float[] t = new float[256];
        for (int e = 1; e < 255; e++) t[e] = Math.scalb(1.0f, e - 127);
        t[0] = Math.scalb(1.0f, -126);
        t[255] = Float.POSITIVE_INFINITY;
        return t;
    }

    /*
     * The work-group reductions below (softmax, rowNorm, groupNorm) are written out in each kernel's body, once, in a
     * loop over the kernel's passes. They were a shared helper taking the local array as a parameter; TornadoVM 5.2
     * compiles such a callee's accesses as if the local array were a Java heap array (a byte offset with the 16-byte
     * array header: red[4 * l + 16] for red[l]), which runs past the end of the 64-float local array. PoCL keeps
     * going (and the results were right), NVIDIA's OpenCL faults (CL_OUT_OF_RESOURCES, then -9999 for every later
     * call): found on an H200, docs/tornado.md. LocalArrayIndexTest checks the generated OpenCL for this.
     */

    /** Softmax over rows of length ip[0]; one work-group of RS items per row. */
    public static void softmax(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray b, FloatArray d,
                               FloatArray e, FloatArray out) {
        int n = ip.get(0);
        int base = c.groupIdx * n;
        int l = c.localIdx;
        float[] red = c.allocateFloatLocalArray(RS);
        float m = 0.0f;
        float sum = 1.0f;
        for (int pass = 0; pass < 2; pass++) { // 0: the row's max, 1: the sum of exp(x - max)
            float p = pass == 0 ? Float.NEGATIVE_INFINITY : 0.0f;
            for (int j = l; j < n; j += RS) {
                if (pass == 0) p = TornadoMath.max(p, x.get(base + j));
                else p += TornadoMath.exp(x.get(base + j) - m);
            }
            red[l] = p;
            c.localBarrier();
            for (int s = RS / 2; s > 0; s = s / 2) {
                if (l < s) {
                    if (pass == 0) red[l] = TornadoMath.max(red[l], red[l + s]);
                    else red[l] = red[l] + red[l + s];
                }
                c.localBarrier();
            }
            if (pass == 0) m = red[0];
            else sum = red[0];
            c.localBarrier();
        }
        for (int j = l; j < n; j += RS) out.set(base + j, TornadoMath.exp(x.get(base + j) - m) / sum);
    }

    /** LayerNorm (ip[1] == 0) or RMSNorm (ip[1] == 1) over rows of length ip[0]. ip: [n, rms, hasW, hasB]; fp: [eps]. */
    public static void rowNorm(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray w, FloatArray bias,
                               FloatArray e, FloatArray out) {
        int n = ip.get(0);
        int rms = ip.get(1);
        int base = c.groupIdx * n;
        int l = c.localIdx;
        float[] red = c.allocateFloatLocalArray(RS);
        float mu = 0.0f;
        float rs = 0.0f;
        for (int pass = rms; pass < 2; pass++) { // 0: the mean (LayerNorm only), 1: the mean square about it
            float p = 0.0f;
            for (int j = l; j < n; j += RS) {
                float dx = x.get(base + j) - mu;
                p += pass == 0 ? dx : dx * dx;
            }
            red[l] = p;
            c.localBarrier();
            for (int s = RS / 2; s > 0; s = s / 2) {
                if (l < s) red[l] = red[l] + red[l + s];
                c.localBarrier();
            }
            float r = red[0] / n;
            c.localBarrier();
            if (pass == 0) mu = r;
            else rs = 1.0f / TornadoMath.sqrt(r + fp.get(0));
        }
        for (int j = l; j < n; j += RS) {
            float y = (x.get(base + j) - mu) * rs;
            if (ip.get(2) == 1) y = y * w.get(j);
            if (ip.get(3) == 1) y = y + bias.get(j);
            out.set(base + j, y);
        }
    }

    /** GroupNorm of x [N, C, S]; one work-group per (sample, group). ip: [C, S, groups, hasW, hasB]; fp: [eps]. */
    public static void groupNorm(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray w,
                                 FloatArray bias, FloatArray e, FloatArray out) {
        int ch = ip.get(0);
        int sp = ip.get(1);
        int groups = ip.get(2);
        int cg = ch / groups;
        int sample = c.groupIdx / groups;
        int g = c.groupIdx - sample * groups;
        int base = (sample * ch + g * cg) * sp;
        int len = cg * sp;
        int l = c.localIdx;
        float[] red = c.allocateFloatLocalArray(RS);
        float mu = 0.0f;
        float rs = 0.0f;
        for (int pass = 0; pass < 2; pass++) { // 0: the mean, 1: the mean square about it
            float p = 0.0f;
            for (int j = l; j < len; j += RS) {
                float dx = x.get(base + j) - mu;
                p += pass == 0 ? dx : dx * dx;
            }
            red[l] = p;
            c.localBarrier();
            for (int s = RS / 2; s > 0; s = s / 2) {
                if (l < s) red[l] = red[l] + red[l + s];
                c.localBarrier();
            }
            float r = red[0] / len;
            c.localBarrier();
            if (pass == 0) mu = r;
            else rs = 1.0f / TornadoMath.sqrt(r + fp.get(0));
        }
        for (int j = l; j < len; j += RS) {
            int cc = g * cg + j / sp;
            float y = (x.get(base + j) - mu) * rs;
            if (ip.get(3) == 1) y = y * w.get(cc);
            if (ip.get(4) == 1) y = y + bias.get(cc);
            out.set(base + j, y);
        }
    }

    /**
     * Fused attention, one work-item per query row with an online (running max) softmax: the output row itself is
     * the accumulator, so extra memory is O(Dv) per row and no [Tq, Tk] score matrix exists.
     * ip: [rows = B*H*Tq, Tq, Tk, D, Dv, hasMask]; fp: [scale]; q, k, v, mask [Tq, Tk].
     */
    public static void attention(KernelContext c, IntArray ip, FloatArray fp, FloatArray q, FloatArray k, FloatArray v,
                                 FloatArray mask, FloatArray out) {
        int r = c.globalIdx;
        if (r < ip.get(0)) {
            int tq = ip.get(1);
            int tk = ip.get(2);
            int d = ip.get(3);
            int dv = ip.get(4);
            int hasMask = ip.get(5);
            float scale = fp.get(0);
            int z = r / tq;
            int i = r - z * tq;
            int qb = r * d;
            int ob = r * dv;
            for (int p = 0; p < dv; p++) out.set(ob + p, 0.0f);
            float m = Float.NEGATIVE_INFINITY;
            float sum = 0.0f;
            for (int j = 0; j < tk; j++) {
                int kb = (z * tk + j) * d;
                float s = 0.0f;
                for (int p = 0; p < d; p++) s += q.get(qb + p) * k.get(kb + p);
                s = s * scale;
                if (hasMask == 1) s += mask.get(i * tk + j);
                if (s > m) {
                    // new running max: rescale what has been accumulated so far
                    float corr = TornadoMath.exp(m - s);
                    sum = sum * corr;
                    for (int p = 0; p < dv; p++) out.set(ob + p, out.get(ob + p) * corr);
                    m = s;
                }
                float w = TornadoMath.exp(s - m);
                sum += w;
                int vb = (z * tk + j) * dv;
                for (int p = 0; p < dv; p++) out.set(ob + p, out.get(ob + p) + w * v.get(vb + p));
            }
            for (int p = 0; p < dv; p++) out.set(ob + p, out.get(ob + p) / sum);
        }
    }

    /** Largest value head dimension the local-memory attention kernel holds (64 items x 128 floats = 32 KB). */
    public static final int ATT_DV = 128;

    /**
     * {@link #attention} with each work-item's output accumulator in local memory instead of global memory: the
     * running rescale and the weighted sum of values touch on-chip memory, and the result is written once. Needs
     * Dv <= ATT_DV; same ip/fp contract, 1-D launch in groups of ES items.
     */
    public static void attentionLocal(KernelContext c, IntArray ip, FloatArray fp, FloatArray q, FloatArray k,
                                      FloatArray v, FloatArray mask, FloatArray out) {
        float[] acc = c.allocateFloatLocalArray(ES * ATT_DV);
        int r = c.globalIdx;
        int ab = c.localIdx * ATT_DV;
        if (r < ip.get(0)) {
            int tq = ip.get(1);
            int tk = ip.get(2);
            int d = ip.get(3);
            int dv = ip.get(4);
            int hasMask = ip.get(5);
            float scale = fp.get(0);
            int z = r / tq;
            int i = r - z * tq;
            int qb = r * d;
            for (int p = 0; p < dv; p++) acc[ab + p] = 0.0f;
            float m = Float.NEGATIVE_INFINITY;
            float sum = 0.0f;
            for (int j = 0; j < tk; j++) {
                int kb = (z * tk + j) * d;
                float s = 0.0f;
                for (int p = 0; p < d; p++) s += q.get(qb + p) * k.get(kb + p);
                s = s * scale;
                if (hasMask == 1) s += mask.get(i * tk + j);
                if (s > m) {
                    float corr = TornadoMath.exp(m - s);
                    sum = sum * corr;
                    for (int p = 0; p < dv; p++) acc[ab + p] = acc[ab + p] * corr;
                    m = s;
                }
                float w = TornadoMath.exp(s - m);
                sum += w;
                int vb = (z * tk + j) * dv;
                for (int p = 0; p < dv; p++) acc[ab + p] = acc[ab + p] + w * v.get(vb + p);
            }
            int ob = r * dv;
            for (int p = 0; p < dv; p++) out.set(ob + p, acc[ab + p] / sum);
        }
    }

    /** Rotate-half RoPE. ip: [n, T, D]; x [.., T, D], sin and cos [T, D]. */
    public static void rope(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray sin, FloatArray cos,
                            FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int t = ip.get(1);
            int d = ip.get(2);
            int half = d / 2;
            int row = i / d;
            int j = i - row * d;
            int tok = row % t;
            float rot;
            if (j < half) rot = -x.get(i + half);
            else rot = x.get(i - half);
            out.set(i, x.get(i) * cos.get(tok * d + j) + rot * sin.get(tok * d + j));
        }
    }

    /** Nearest 2x upsampling. ip: [n (output elements), H, W]. */
    public static void upsample2x(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray b,
                                  FloatArray d, FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int h = ip.get(1);
            int w = ip.get(2);
            int ow = 2 * w;
            int oj = i % ow;
            int rest = i / ow;
            int oi = rest % (2 * h);
            int p = rest / (2 * h);
            out.set(i, x.get((p * h + oi / 2) * w + oj / 2));
        }
    }

    /**
     * Direct 2-D convolution, one work-item per output element.
     * ip: [n, C, H, W, O, kh, kw, oh, ow, stride, pad, hasBias].
     */
    public static void conv2d(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray w, FloatArray bias,
                              FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int ch = ip.get(1);
            int h = ip.get(2);
            int wd = ip.get(3);
            int o = ip.get(4);
            int kh = ip.get(5);
            int kw = ip.get(6);
            int oh = ip.get(7);
            int ow = ip.get(8);
            int stride = ip.get(9);
            int pad = ip.get(10);
            int oj = i % ow;
            int rest = i / ow;
            int oi = rest % oh;
            rest = rest / oh;
            int oc = rest % o;
            int b = rest / o;
            float s = 0.0f;
            if (ip.get(11) == 1) s = bias.get(oc);
            for (int ic = 0; ic < ch; ic++) {
                for (int u = 0; u < kh; u++) {
                    int yy = oi * stride - pad + u;
                    if (yy >= 0 && yy < h) {
                        for (int vv = 0; vv < kw; vv++) {
                            int xx = oj * stride - pad + vv;
                            if (xx >= 0 && xx < wd) {
                                s += x.get(((b * ch + ic) * h + yy) * wd + xx) * w.get(((oc * ch + ic) * kh + u) * kw + vv);
                            }
                        }
                    }
                }
            }
            out.set(i, s);
        }
    }

    /** {@link #conv2d} with the weight as bfloat16 bits, widened at each use by {@link #bf16}. */
    public static void conv2dBf16(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, ShortArray w,
                                  FloatArray bias, FloatArray pow2, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int ch = ip.get(1);
            int h = ip.get(2);
            int wd = ip.get(3);
            int o = ip.get(4);
            int kh = ip.get(5);
            int kw = ip.get(6);
            int oh = ip.get(7);
            int ow = ip.get(8);
            int stride = ip.get(9);
            int pad = ip.get(10);
            int oj = i % ow;
            int rest = i / ow;
            int oi = rest % oh;
            rest = rest / oh;
            int oc = rest % o;
            int b = rest / o;
            float s = 0.0f;
            if (ip.get(11) == 1) s = bias.get(oc);
            for (int ic = 0; ic < ch; ic++) {
                for (int u = 0; u < kh; u++) {
                    int yy = oi * stride - pad + u;
                    if (yy >= 0 && yy < h) {
                        for (int vv = 0; vv < kw; vv++) {
                            int xx = oj * stride - pad + vv;
                            if (xx >= 0 && xx < wd) {
                                s += x.get(((b * ch + ic) * h + yy) * wd + xx) * bf16(w.get(((oc * ch + ic) * kh + u) * kw + vv), pow2);
                            }
                        }
                    }
                }
            }
            out.set(i, s);
        }
    }
}
