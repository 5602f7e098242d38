package svg.tensor;

/**
 * bfloat16 bits, as {@link Storage} keeps frozen weights: the top half of a float32. The conversions live here, in
 * the tensor core, so that {@code svg.tensor} needs nothing from {@code svg.tensor.io}; {@code io.HalfFloats} (the
 * file formats' conversions) uses these.
 */
public final class Bf16 {
    private Bf16() {}

    /** bfloat16 bits -> float (exact: bfloat16 is the top half of a float32). */
    public static float toFloat(short bits) { return Float.intBitsToFloat((bits & 0xFFFF) << 16); }

    /** float -> bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN instead of rounding into infinity. */
    public static short fromFloat(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (short) ((bits >>> 16) | 0x0040);
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }
}
