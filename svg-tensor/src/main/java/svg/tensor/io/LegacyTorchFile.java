package svg.tensor.io;

import svg.tensor.io.RestrictedUnpickler.StorageRef;
import svg.tensor.io.RestrictedUnpickler.StorageView;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The torch.save format before 1.6 (still written with {@code _use_new_zipfile_serialization=False}), e.g. LPIPS
 * {@code vgg.pth}: five pickles in a row (magic number, protocol version 1001, sys_info, the object, the list of
 * storage keys), then each storage as an 8-byte element count followed by its raw elements. The file is mapped, so
 * only the pickles and the storages actually used are read.
 */
final class LegacyTorchFile extends TorchSource {
    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment file;
    private final Map<String, StorageRef> storages = new HashMap<>();
    private final Map<String, Long> dataOffsets = new HashMap<>();
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    private long afterHeader;

    LegacyTorchFile(Path path) throws IOException {
        super(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            file = ch.size() == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private RestrictedUnpickler pickleAt(long pos, String what) {
        return new RestrictedUnpickler(file, pos, path + " (" + what + ")", this::persistentLoad);
    }

    @Override
    Object unpickle() throws IOException {
        if (file.byteSize() == 0) throw bad("empty file");
        RestrictedUnpickler u = pickleAt(0, "magic number");
        if (!MAGIC.equals(asBig(u.load()))) throw bad("not a torch.save file (magic number mismatch)");
        u = pickleAt(u.position(), "protocol version");
        Object version = u.load();
        if (!Long.valueOf(1001).equals(version)) throw bad("unsupported legacy protocol version " + version);
        u = pickleAt(u.position(), "sys_info");
        if (u.load() instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) order = ByteOrder.BIG_ENDIAN;
        u = pickleAt(u.position(), "object");
        Object result = u.load();
        u = pickleAt(u.position(), "storage keys");
        if (!(u.load() instanceof List<?> keys)) throw bad("storage key list missing");
        long pos = u.position();
        for (Object k : keys) {
            if (!(k instanceof String key)) throw bad("storage key is not a string");
            StorageRef s = storages.get(key);
            if (s == null) throw bad("storage " + key + " is listed but never used");
            if (pos > file.byteSize() - 8) throw bad("truncated before storage " + key);
            long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), pos);
            if (n != s.numel()) throw bad("storage " + key + " has " + n + " elements on disk, " + s.numel() + " in the pickle");
            if (n > (file.byteSize() - pos - 8) / s.dtype().byteSize())
                throw bad("storage " + key + " declares " + n + " elements, more than the rest of the file holds (truncated?)");
            long bytes = n * s.dtype().byteSize();
            dataOffsets.put(key, pos + 8);
            pos += 8 + bytes;
        }
        afterHeader = pos;
        return result;
    }

    private static BigInteger asBig(Object o) {
        if (o instanceof BigInteger b) return b;
        if (o instanceof Long l) return BigInteger.valueOf(l);
        return null;
    }

    /** ('storage', type, root_key, location, numel, view_metadata (view_key, offset, view_numel) or None). */
    private Object persistentLoad(Object pid) throws IOException {
        if (!(pid instanceof List<?> t) || t.size() != 6 || !"storage".equals(t.get(0)))
            throw bad("unsupported persistent id (expected ('storage', type, root_key, location, numel, view_metadata))");
        DType dt = storageType(t.get(1));
        if (!(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel) || numel < 0)
            throw bad("malformed storage persistent id (key, numel)");
        StorageRef root = storages.get(key);
        if (root == null) {
            root = new StorageRef(dt, key, numel, t.get(3) instanceof String s ? s : "?");
            storages.put(key, root);
        } else if (root.dtype() != dt) throw bad("storage " + key + " described twice differently");
        if (t.get(5) == null) return root;
        if (!(t.get(5) instanceof List<?> v) || v.size() != 3 || !(v.get(1) instanceof Long off) || !(v.get(2) instanceof Long vn)
                || off < 0 || vn < 0 || off > root.numel() || vn > root.numel() - off)
            throw bad("malformed storage view metadata");
        return new StorageView(root, off, vn);
    }

    @Override
    protected float[] readStorage(StorageRef s) throws IOException {
        Long off = dataOffsets.get(s.key());
        if (off == null) throw bad("no data for storage " + s.key());
        float[] out = new float[(int) s.numel()];
        ElementConversion.toFloat(file, off, s.dtype(), order, out, 0, out.length);
        return out;
    }

    /** End of the last storage (for tests and diagnostics). */
    long dataEnd() { return afterHeader; }

    @Override
    public void close() throws IOException {
        super.close();
        if (arena.scope().isAlive()) arena.close();
    }
}
