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

/**
 * An IDX file (the MNIST / Fashion-MNIST container): magic {@code 0x00 0x00 type ndim}, ndim big-endian int32 sizes,
 * then the values row-major. Only unsigned bytes (type 0x08) are supported, which is what both data sets use.
 * Files ending in ".gz" are decompressed on the fly.
 */
public record IdxFile(int[] dims, byte[] data) {
    public static IdxFile read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("IDX file not found: " + path);
        try (InputStream raw = Files.newInputStream(path)) {
            InputStream in = new BufferedInputStream(raw, 1 << 16);
            if (path.getFileName().toString().endsWith(".gz")) in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
            return read(in, path.toString());
        }
    }

    static IdxFile read(InputStream in, String what) throws IOException {
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
        long n = 1;
        for (int i = 0; i < ndim; i++) {
            dims[i] = d.readInt();
            if (dims[i] < 0) throw new IOException(what + ": negative IDX dimension " + dims[i]);
            n *= dims[i];
        }
        if (n > Integer.MAX_VALUE - 16) throw new IOException(what + ": IDX too large " + Arrays.toString(dims));
        byte[] data = new byte[(int) n];
        try {
            d.readFully(data);
        } catch (EOFException e) {
            throw new IOException(what + ": truncated IDX file, expected " + n + " values for " + Arrays.toString(dims));
        }
        return new IdxFile(dims, data);
    }
}
