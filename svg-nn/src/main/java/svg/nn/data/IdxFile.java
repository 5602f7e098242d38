package svg.nn.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An IDX file (the MNIST / Fashion-MNIST container): magic {@code 0x00 0x00 type ndim}, ndim big-endian int32 sizes,
 * then the values row-major. Only unsigned bytes (type 0x08) are supported, which is what both data sets use.
 * Files ending in ".gz" are decompressed on the fly.
 */
public record IdxFile(int[] dims, byte[] data) {
    /**
     * Reads and checks an IDX file. The header is untrusted: its sizes are multiplied exactly and must agree with
     * the file (an uncompressed file must be exactly header + values long; a gzip stream must end right after the
     * values), and the values are read as they arrive, so a 20-byte header claiming 2 GB allocates nothing.
     */
    public static IdxFile read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("IDX file not found: " + path);
        boolean gz = path.getFileName().toString().endsWith(".gz");
        try (InputStream raw = Files.newInputStream(path)) {
            InputStream in = new BufferedInputStream(raw, 1 << 16);
            if (gz) in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
            return read(in, path.toString(), gz ? -1 : Files.size(path));
        } catch (ZipException | EOFException e) { // from the gzip stream (its EOFException may have no message)
            throw new IOException(path + ": damaged gzip data (" + e + ")", e);
        }
    }

    /** {@code size}: the byte count the stream must have, or -1 when unknown (compressed). */
    static IdxFile read(InputStream in, String what, long size) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int magic;
        try {
            magic = d.readInt();
        } catch (EOFException e) {
            throw new IOException(what + ": empty file, not IDX");
        }
        if ((magic >>> 16) != 0) throw new IOException(what + ": bad IDX magic 0x" + Integer.toHexString(magic));
        int type = (magic >>> 8) & 0xff, ndim = magic & 0xff;
        if (type != 0x08) throw new IOException(what + ": IDX value type 0x" + Integer.toHexString(type) + " unsupported (only unsigned byte 0x08)");
        if (ndim < 1 || ndim > 4) throw new IOException(what + ": IDX with " + ndim + " dimensions unsupported");
        int[] dims = new int[ndim];
        for (int i = 0; i < ndim; i++) {
            try {
                dims[i] = d.readInt();
            } catch (EOFException e) {
                throw new IOException(what + ": truncated IDX header (" + ndim + " dimensions declared)");
            }
            if (dims[i] < 0) throw new IOException(what + ": negative IDX dimension " + dims[i]);
        }
        long n = 1;
        try {
            for (int x : dims) n = Math.multiplyExact(n, x);
        } catch (ArithmeticException e) {
            throw new IOException(what + ": IDX dimensions " + Arrays.toString(dims) + " overflow");
        }
        if (n > Integer.MAX_VALUE - 16) throw new IOException(what + ": IDX too large " + Arrays.toString(dims));
        long expected = 4 + 4L * ndim + n;
        if (size >= 0 && size != expected)
            throw new IOException(what + ": IDX header " + Arrays.toString(dims) + " needs " + expected + " bytes, the file has " + size
                    + (size < expected ? " (truncated)" : ""));
        byte[] data = d.readNBytes((int) n); // grows with the bytes that arrive: never sized by the header alone
        if (data.length < n)
            throw new IOException(what + ": truncated IDX file, expected " + n + " values for " + Arrays.toString(dims) + ", found " + data.length);
        if (d.read() != -1) throw new IOException(what + ": data after the " + n + " values its IDX header " + Arrays.toString(dims) + " declares");
        return new IdxFile(dims, data);
    }
}
