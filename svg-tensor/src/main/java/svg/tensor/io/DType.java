package svg.tensor.io;

import java.util.Locale;

/**
 * Element types found in tensor files, named as safetensors names them. Every type converts to float32 on load
 * (labels stored as I64 included); only F32, F16 and BF16 can be written.
 */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int byteSize;

    DType(int byteSize) { this.byteSize = byteSize; }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    /** The name used in safetensors headers ("F32", "BF16", ...). */
    public String safetensorsName() { return name(); }

    /** Parses a safetensors dtype name; throws IllegalArgumentException naming the unknown type. */
    public static DType parse(String safetensorsName) {
        if (safetensorsName == null) throw new IllegalArgumentException("dtype is missing");
        try {
            return valueOf(safetensorsName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dtype '" + safetensorsName + "' (known: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)");
        }
    }
}
