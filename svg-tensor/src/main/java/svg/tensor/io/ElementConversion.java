package svg.tensor.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Converts stored elements of any {@link DType} to float32 and back. Elements are moved in bulk through a small
 * primitive array (MemorySegment.copy does the byte swapping), then converted in a plain loop: much faster than one
 * bounds- and liveness-checked segment access per element on a shared mapping.
 */
final class ElementConversion {
    private static final int CHUNK = 1 << 14;

    private ElementConversion() {}

    /**
     * Reads {@code count} elements of type {@code dt} starting at byte {@code byteOffset} of {@code src} into
     * {@code dst[dstPos..]}. Integers (I64 labels) convert with Java's (float) rounding; BOOL and U8 read as unsigned.
     */
    static void toFloat(MemorySegment src, long byteOffset, DType dt, ByteOrder order, float[] dst, int dstPos, int count) {
        if (dt == DType.F32) {
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), byteOffset, dst, dstPos, count);
            return;
        }
        int es = dt.byteSize();
        switch (es) {
            case 1 -> {
                byte[] t = new byte[Math.min(CHUNK, count)];
                for (int done = 0; done < count; done += t.length) {
                    int k = Math.min(t.length, count - done);
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, byteOffset + done, t, 0, k);
                    int o = dstPos + done;
                    switch (dt) {
                        case I8 -> { for (int i = 0; i < k; i++) dst[o + i] = t[i]; }
                        case U8 -> { for (int i = 0; i < k; i++) dst[o + i] = t[i] & 0xFF; }
                        default -> { for (int i = 0; i < k; i++) dst[o + i] = t[i] != 0 ? 1f : 0f; } // BOOL
                    }
                }
            }
            case 2 -> {
                short[] t = new short[Math.min(CHUNK, count)];
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int done = 0; done < count; done += t.length) {
                    int k = Math.min(t.length, count - done);
                    MemorySegment.copy(src, l, byteOffset + 2L * done, t, 0, k);
                    int o = dstPos + done;
                    switch (dt) {
                        case F16 -> { for (int i = 0; i < k; i++) dst[o + i] = Float.float16ToFloat(t[i]); }
                        case BF16 -> { for (int i = 0; i < k; i++) dst[o + i] = Float.intBitsToFloat((t[i] & 0xFFFF) << 16); }
                        default -> { for (int i = 0; i < k; i++) dst[o + i] = t[i]; } // I16
                    }
                }
            }
            case 4 -> { // I32
                int[] t = new int[Math.min(CHUNK, count)];
                var l = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
                for (int done = 0; done < count; done += t.length) {
                    int k = Math.min(t.length, count - done);
                    MemorySegment.copy(src, l, byteOffset + 4L * done, t, 0, k);
                    for (int i = 0; i < k; i++) dst[dstPos + done + i] = t[i];
                }
            }
            case 8 -> {
                if (dt == DType.F64) {
                    double[] t = new double[Math.min(CHUNK, count)];
                    var l = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
                    for (int done = 0; done < count; done += t.length) {
                        int k = Math.min(t.length, count - done);
                        MemorySegment.copy(src, l, byteOffset + 8L * done, t, 0, k);
                        for (int i = 0; i < k; i++) dst[dstPos + done + i] = (float) t[i];
                    }
                } else { // I64
                    long[] t = new long[Math.min(CHUNK, count)];
                    var l = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
                    for (int done = 0; done < count; done += t.length) {
                        int k = Math.min(t.length, count - done);
                        MemorySegment.copy(src, l, byteOffset + 8L * done, t, 0, k);
                        for (int i = 0; i < k; i++) dst[dstPos + done + i] = (float) t[i];
                    }
                }
            }
            default -> throw new IllegalStateException("element size " + es);
        }
    }

    /** Writes {@code count} floats as {@code dt} (F32, F16 or BF16) little-endian into {@code dst} at byte 0. */
    static void fromFloat(float[] src, int srcPos, int count, DType dt, MemorySegment dst) {
        if (dt == DType.F32) {
            MemorySegment.copy(src, srcPos, dst, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, count);
            return;
        }
        if (dt != DType.F16 && dt != DType.BF16) throw new IllegalArgumentException("cannot write " + dt + " (only F32, F16, BF16)");
        short[] t = new short[Math.min(CHUNK, count)];
        var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < count; done += t.length) {
            int k = Math.min(t.length, count - done);
            int s = srcPos + done;
            if (dt == DType.F16) for (int i = 0; i < k; i++) t[i] = Float.floatToFloat16(src[s + i]);
            else for (int i = 0; i < k; i++) t[i] = HalfFloats.floatToBf16(src[s + i]);
            MemorySegment.copy(t, 0, dst, l, 2L * done, k);
        }
    }
}
