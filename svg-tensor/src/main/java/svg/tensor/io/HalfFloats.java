package svg.tensor.io;

import svg.tensor.Bf16;

/**
 * float32 <-> float16 / bfloat16 bit conversions. Narrowing rounds to nearest, ties to even, as PyTorch does, so
 * files we write match what torch.Tensor.half()/bfloat16() would store.
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** IEEE binary16 bits -> float (exact). */
    public static float f16ToFloat(short bits) { return Float.float16ToFloat(bits); }

    /** float -> IEEE binary16 bits, round to nearest even (JDK's conversion is specified that way). */
    public static short floatToF16(float v) { return Float.floatToFloat16(v); }

    /** bfloat16 bits -> float (exact: bfloat16 is the top half of a float32). */
    public static float bf16ToFloat(short bits) { return Bf16.toFloat(bits); }

    /** float -> bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN instead of rounding into infinity. */
    public static short floatToBf16(float v) { return Bf16.fromFloat(v); }
}
