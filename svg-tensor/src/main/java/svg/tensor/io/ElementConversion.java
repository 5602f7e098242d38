package svg.tensor.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Converts stored elements of any {@link DType} to float32, reading straight from a (mapped or heap) segment. */
final class ElementConversion {
    private ElementConversion() {}

    /**
     * Reads {@code count} elements of type {@code dt} starting at byte {@code byteOffset} of {@code src} into
     * {@code dst[dstPos..]}. Integers (I64 labels) convert with Java's (float) rounding; BOOL and U8 read as unsigned.
     */
    static void toFloat(MemorySegment src, long byteOffset, DType dt, ByteOrder order, float[] dst, int dstPos, int count) {
        switch (dt) {
            case F32 -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), byteOffset, dst, dstPos, count);
            case F16 -> {
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstPos + i] = HalfFloats.f16ToFloat(src.get(l, byteOffset + 2L * i));
            }
            case BF16 -> {
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstPos + i] = HalfFloats.bf16ToFloat(src.get(l, byteOffset + 2L * i));
            }
            case F64 -> {
                var l = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstPos + i] = (float) src.get(l, byteOffset + 8L * i);
            }
            case I64 -> {
                var l = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstPos + i] = (float) src.get(l, byteOffset + 8L * i);
            }
            case I32 -> {
                var l = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstPos + i] = (float) src.get(l, byteOffset + 4L * i);
            }
            case I16 -> {
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstPos + i] = src.get(l, byteOffset + 2L * i);
            }
            case I8 -> {
                for (int i = 0; i < count; i++) dst[dstPos + i] = src.get(ValueLayout.JAVA_BYTE, byteOffset + i);
            }
            case U8 -> {
                for (int i = 0; i < count; i++) dst[dstPos + i] = src.get(ValueLayout.JAVA_BYTE, byteOffset + i) & 0xFF;
            }
            case BOOL -> {
                for (int i = 0; i < count; i++) dst[dstPos + i] = src.get(ValueLayout.JAVA_BYTE, byteOffset + i) != 0 ? 1f : 0f;
            }
        }
    }

    /** Writes {@code count} floats as {@code dt} (F32, F16 or BF16) little-endian into {@code dst} at byte 0. */
    static void fromFloat(float[] src, int srcPos, int count, DType dt, MemorySegment dst) {
        switch (dt) {
            case F32 -> MemorySegment.copy(src, srcPos, dst, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, count);
            case F16 -> {
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) dst.set(l, 2L * i, HalfFloats.floatToF16(src[srcPos + i]));
            }
            case BF16 -> {
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) dst.set(l, 2L * i, HalfFloats.floatToBf16(src[srcPos + i]));
            }
            default -> throw new IllegalArgumentException("cannot write " + dt + " (only F32, F16, BF16)");
        }
    }
}
