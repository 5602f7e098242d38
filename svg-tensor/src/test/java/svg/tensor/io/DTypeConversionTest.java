package svg.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Every dtype decodes to the right float32 values, across the bulk-conversion chunk boundary, in both byte orders. */
class DTypeConversionTest {
    @TempDir
    Path dir;

    private static final int N = 40_000; // > 2 conversion chunks

    @Test
    void everyDtypeLoadsAsFloat32() throws IOException {
        Random rnd = new Random(5);
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        float[][] expected = new float[DType.values().length][N];
        for (DType dt : DType.values()) {
            ByteBuffer b = ByteBuffer.allocate(N * dt.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            float[] e = expected[dt.ordinal()];
            for (int i = 0; i < N; i++) {
                switch (dt) {
                    case F32 -> { float v = (float) rnd.nextGaussian(); b.putFloat(v); e[i] = v; }
                    case F64 -> { double v = rnd.nextGaussian(); b.putDouble(v); e[i] = (float) v; }
                    case F16 -> { short s = (short) rnd.nextInt(0x7C00); s |= (short) (rnd.nextBoolean() ? 0x8000 : 0); b.putShort(s); e[i] = f16Reference(s); }
                    case BF16 -> { int bits = Float.floatToIntBits((float) rnd.nextGaussian()) & 0xFFFF0000; b.putShort((short) (bits >>> 16)); e[i] = Float.intBitsToFloat(bits); }
                    case I64 -> { long v = rnd.nextLong() >> rnd.nextInt(64); b.putLong(v); e[i] = (float) v; }
                    case I32 -> { int v = rnd.nextInt(); b.putInt(v); e[i] = v; }
                    case I16 -> { short v = (short) rnd.nextInt(); b.putShort(v); e[i] = v; }
                    case I8 -> { byte v = (byte) rnd.nextInt(); b.put(v); e[i] = v; }
                    case U8 -> { int v = rnd.nextInt(256); b.put((byte) v); e[i] = v; }
                    case BOOL -> { int v = rnd.nextInt(2); b.put((byte) v); e[i] = v; }
                }
            }
            if (header.length() > 1) header.append(',');
            header.append("\"").append(dt).append("\":{\"dtype\":\"").append(dt).append("\",\"shape\":[").append(N)
                    .append("],\"data_offsets\":[").append(data.size()).append(',').append(data.size() + b.capacity()).append("]}");
            data.writeBytes(b.array());
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("all.safetensors");
        Files.write(p, ByteBuffer.allocate(8 + h.length + data.size()).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data.toByteArray()).array());
        Map<String, svg.tensor.Tensor> m = Safetensors.load(p);
        for (DType dt : DType.values())
            assertArrayEquals(expected[dt.ordinal()], m.get(dt.name()).toArray(), dt.name());
    }

    @Test
    void bigEndianSourcesAreSwapped() {
        for (DType dt : new DType[]{DType.F32, DType.F16, DType.BF16, DType.F64, DType.I64, DType.I32, DType.I16}) {
            ByteBuffer le = ByteBuffer.allocate(N * dt.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer be = ByteBuffer.allocate(N * dt.byteSize()).order(ByteOrder.BIG_ENDIAN);
            Random rnd = new Random(dt.ordinal());
            for (int i = 0; i < N; i++) {
                long bits = rnd.nextLong();
                switch (dt.byteSize()) {
                    case 2 -> { le.putShort((short) bits); be.putShort((short) bits); }
                    case 4 -> { le.putInt((int) bits & 0x3FFFFFFF); be.putInt((int) bits & 0x3FFFFFFF); }
                    default -> { le.putLong(bits & 0x3FFFFFFFFFFFFFFFL); be.putLong(bits & 0x3FFFFFFFFFFFFFFFL); }
                }
            }
            float[] a = new float[N], b = new float[N];
            ElementConversion.toFloat(java.lang.foreign.MemorySegment.ofArray(le.array()), 0, dt, ByteOrder.LITTLE_ENDIAN, a, 0, N);
            ElementConversion.toFloat(java.lang.foreign.MemorySegment.ofArray(be.array()), 0, dt, ByteOrder.BIG_ENDIAN, b, 0, N);
            assertArrayEquals(a, b, dt.name());
        }
    }

    /** IEEE half -> float by the textbook formula (independent of the JDK conversion under test). */
    private static float f16Reference(short s) {
        int sign = (s >> 15) & 1, exp = (s >> 10) & 0x1F, man = s & 0x3FF;
        double v = exp == 0 ? man * Math.pow(2, -24) : (1 + man / 1024.0) * Math.pow(2, exp - 15);
        return (float) (sign == 1 ? -v : v);
    }
}
