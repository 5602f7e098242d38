package svg.tensor.io;

import svg.tensor.io.RestrictedUnpickler.StorageRef;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * One torch.save zip archive (torch >= 1.6): {@code <prefix>/data.pkl} (the pickled object),
 * {@code <prefix>/data/<key>} (raw storages), optionally {@code <prefix>/byteorder} (torch 2.x; absent means
 * little-endian). The prefix is the file stem at save time, so it is found rather than assumed.
 */
final class TorchArchive extends TorchSource {
    /** Deflate cannot expand data more than about 1032:1; used to bound allocations for compressed entries. */
    private static final long MAX_DEFLATE_RATIO = 1100;
    /**
     * data.pkl holds only the structure (names, shapes, Python values); a large model's is a few MB. Reading stops at
     * this size, so a compressed entry that inflates without end is refused rather than read into memory.
     */
    static final int MAX_PICKLE_BYTES = 256 << 20;

    private final ZipFile zip;
    private final long fileSize;
    private final String prefix;
    private final ByteOrder order;
    private final Map<String, StorageRef> storages = new HashMap<>();

    TorchArchive(Path path) throws IOException {
        super(path);
        this.fileSize = Files.size(path);
        try {
            this.zip = new ZipFile(path.toFile());
        } catch (IOException e) { // ZipException, or an EOFException without a message
            throw new IOException("corrupt torch checkpoint " + path + ": not a readable zip archive (" + e + ")", e);
        }
        try {
            this.prefix = findPrefix();
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo == null) order = ByteOrder.LITTLE_ENDIAN;
            else {
                String s = new String(readSmall(bo, 16), StandardCharsets.US_ASCII).strip();
                order = switch (s) {
                    case "little" -> ByteOrder.LITTLE_ENDIAN;
                    case "big" -> ByteOrder.BIG_ENDIAN;
                    default -> throw bad("byteorder entry says '" + s + "'");
                };
            }
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    private String findPrefix() throws IOException {
        String best = null;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String n = en.nextElement().getName();
            if (n.equals("data.pkl") || n.endsWith("/data.pkl")) {
                String p = n.substring(0, n.length() - "data.pkl".length());
                if (best == null || p.length() < best.length()) best = p;
            }
        }
        if (best == null) throw bad("no data.pkl entry (not a torch.save zip archive)");
        return best;
    }

    private byte[] readSmall(ZipEntry e, int limit) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            byte[] r = in.readNBytes(limit + 1); // grows as bytes arrive: no allocation from the declared size
            if (r.length > limit) throw bad("entry " + e.getName() + " is larger than " + limit + " bytes");
            return r;
        } catch (ZipException | EOFException ex) { // the inflater's EOFException has no message
            throw bad("entry " + e.getName() + " is damaged: " + ex);
        }
    }

    @Override
    Object unpickle() throws IOException {
        ZipEntry e = zip.getEntry(prefix + "data.pkl");
        byte[] pkl = readSmall(e, MAX_PICKLE_BYTES);
        return new RestrictedUnpickler(pkl, path + ":" + e.getName(), this::persistentLoad).load();
    }

    /** ('storage', storage type, key, location, numel): the key names the zip entry data/<key>. */
    private Object persistentLoad(Object pid) throws IOException {
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0)))
            throw bad("unsupported persistent id (expected a tuple ('storage', type, key, location, numel))");
        DType dt = storageType(t.get(1));
        if (!(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel) || numel < 0)
            throw bad("malformed storage persistent id (key, numel)");
        String location = t.get(3) instanceof String s ? s : "?";
        StorageRef prev = storages.get(key);
        if (prev != null) {
            if (prev.dtype() != dt || prev.numel() != numel) throw bad("storage " + key + " described twice differently");
            return prev;
        }
        StorageRef r = new StorageRef(dt, key, numel, location);
        storages.put(key, r);
        return r;
    }

    @Override
    protected float[] readStorage(StorageRef s) throws IOException {
        String name = prefix + "data/" + s.key();
        ZipEntry e = zip.getEntry(name);
        if (e == null) throw bad("missing storage entry " + name);
        long need;
        try {
            need = Math.multiplyExact(s.numel(), s.dtype().byteSize());
        } catch (ArithmeticException ex) {
            throw bad("storage " + s.key() + " is too large");
        }
        if (e.getSize() >= 0 && e.getSize() < need)
            throw bad("storage entry " + name + " has " + e.getSize() + " bytes, needs " + need + " for " + s.numel() + " " + s.dtype());
        // The entry sizes come from the (untrusted) central directory: bound what we allocate by the real file size.
        long compressed = Math.min(Math.max(0, e.getCompressedSize()), fileSize);
        long bound = e.getMethod() == ZipEntry.STORED ? compressed : compressed * MAX_DEFLATE_RATIO;
        if (need > bound) throw bad("storage entry " + name + " claims more data than the file can hold");
        float[] out = new float[(int) s.numel()];
        if (need == 0) return out;
        int es = s.dtype().byteSize();
        byte[] chunk = new byte[(int) Math.min(need, (1 << 20) / es * es)];
        MemorySegment seg = MemorySegment.ofArray(chunk);
        try (InputStream in = zip.getInputStream(e)) {
            long done = 0;
            while (done < need) {
                int k = (int) Math.min(chunk.length, need - done);
                int r = in.readNBytes(chunk, 0, k);
                if (r < k) throw bad("storage entry " + name + " is truncated (" + (done + r) + " of " + need + " bytes)");
                ElementConversion.toFloat(seg, 0, s.dtype(), order, out, (int) (done / es), k / es);
                done += k;
            }
        } catch (ZipException | EOFException ex) {
            throw bad("storage entry " + name + " is damaged: " + ex);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        super.close();
        zip.close();
    }
}
