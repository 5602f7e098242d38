package svg.nn.image;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A minimal PNG writer for 8-bit RGB. Written here rather than through ImageIO so that the bytes depend only on
 * the pixels: no timestamps or writer-specific metadata, one fixed filter choice, one fixed zlib level. The same
 * tensor therefore always produces the same file, which makes outputs comparable by hash.
 */
final class PngEncoder {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngEncoder() {}

    /** rgb holds width*height*3 bytes, row-major, channels interleaved. */
    static byte[] encode(byte[] rgb, int width, int height) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("PNG size must be positive, got " + width + "x" + height);
        if (rgb.length != (long) width * height * 3)
            throw new IllegalArgumentException("expected " + (long) width * height * 3 + " RGB bytes, got " + rgb.length);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(SIGNATURE);
            DataOutputStream out = new DataOutputStream(bytes);

            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.writeByte(8);  // bit depth
            h.writeByte(2);  // colour type: truecolour
            h.writeByte(0);  // compression: deflate
            h.writeByte(0);  // filter method: adaptive
            h.writeByte(0);  // no interlace
            chunk(out, "IHDR", ihdr.toByteArray());

            chunk(out, "IDAT", deflate(filtered(rgb, width, height)));
            chunk(out, "IEND", new byte[0]);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e); // cannot happen with byte arrays
        }
    }

    /**
     * Each row gets the filter (none, sub, up, average, paeth) with the smallest sum of absolute residuals: the
     * usual heuristic, deterministic because ties go to the lowest filter number.
     */
    private static byte[] filtered(byte[] rgb, int width, int height) {
        int stride = width * 3;
        byte[] out = new byte[height * (stride + 1)];
        byte[][] cand = new byte[5][stride];
        for (int y = 0; y < height; y++) {
            int row = y * stride, prev = row - stride;
            for (int i = 0; i < stride; i++) {
                int x = rgb[row + i] & 0xff;
                int a = i >= 3 ? rgb[row + i - 3] & 0xff : 0;
                int b = y > 0 ? rgb[prev + i] & 0xff : 0;
                int c = y > 0 && i >= 3 ? rgb[prev + i - 3] & 0xff : 0;
                cand[0][i] = (byte) x;
                cand[1][i] = (byte) (x - a);
                cand[2][i] = (byte) (x - b);
                cand[3][i] = (byte) (x - ((a + b) >>> 1));
                cand[4][i] = (byte) (x - paeth(a, b, c));
            }
            int best = 0;
            long bestCost = Long.MAX_VALUE;
            for (int f = 0; f < 5; f++) {
                long cost = 0;
                for (int i = 0; i < stride; i++) cost += Math.abs((int) cand[f][i]);
                if (cost < bestCost) { bestCost = cost; best = f; }
            }
            int o = y * (stride + 1);
            out[o] = (byte) best;
            System.arraycopy(cand[best], 0, out, o + 1, stride);
        }
        return out;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(6);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
            byte[] buf = new byte[1 << 16];
            while (!d.finished()) out.write(buf, 0, d.deflate(buf));
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
