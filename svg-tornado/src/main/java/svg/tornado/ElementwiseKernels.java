package svg.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * One work-item per output element: unary math, the strided/broadcast binary op (also the device-side copy of a
 * strided view, op {@link #COPY}) and the concatenation of two strided views. The op codes are ints because kernels
 * cannot use enums; the backend maps svg-tensor's {@code UnaryOp}/{@code BinaryOp} onto them.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {}

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
     * ip: [unused, n, offsetOut, offsetA]: out[offsetOut + i] = a[offsetA + i] for i < n. The device-side moves of a
     * chained block plan ({@link BlockPlan}): a result into the next run's input buffer and into its slot of the
     * results kept on the device, and an uploaded input into the buffer the block reads.
     */
    public static void copy(KernelContext c, IntArray ip, FloatArray fp, FloatArray a, FloatArray b, FloatArray d,
                            FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(1)) out.set(ip.get(2) + i, a.get(ip.get(3) + i));
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
}
