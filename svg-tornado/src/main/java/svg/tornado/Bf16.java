package svg.tornado;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Exact bfloat16 -> float32 widening inside kernels, shared by the GEMM and the convolution that keep bfloat16
 * weights on the device. Arithmetic with a power-of-two table, because TornadoVM's OpenCL backend cannot compile
 * {@code Float.intBitsToFloat}.
 */
public final class Bf16 {
    private Bf16() {}

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
}
