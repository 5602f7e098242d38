package svg.tensor.io;

import svg.tensor.Tensor;
import svg.tensor.io.RestrictedUnpickler.LazyTensor;
import svg.tensor.io.RestrictedUnpickler.StorageRef;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * One torch.save zip archive: {@code <prefix>/data.pkl} (the pickled object), {@code <prefix>/data/<key>} (raw
 * storages), optionally {@code <prefix>/byteorder} (torch 2.x; absent means little-endian). Unpickling yields
 * {@link LazyTensor}s; storages are read only when a tensor is materialised, each at most once per archive.
 */
final class TorchArchive implements Closeable {
    /** Deflate cannot expand data more than about 1032:1; used to bound allocations for compressed entries. */
    private static final long MAX_DEFLATE_RATIO = 1100;
    private static final int MAX_DEPTH = 1000;

    private final Path path;
    private final ZipFile zip;
    private final long fileSize;
    private final String prefix;
    private final ByteOrder order;
    private final Map<String, StorageRef> storages = new HashMap<>();
    private final Map<String, float[]> loaded = new HashMap<>();
    private final Map<String, Integer> pendingUses = new HashMap<>();

    TorchArchive(Path path) throws IOException {
        this.path = path;
        this.fileSize = Files.size(path);
        try {
            this.zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new IOException("corrupt torch checkpoint " + path + ": not a readable zip archive (" + e.getMessage() + ")", e);
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

    private IOException bad(String msg) {
        return new IOException("corrupt torch checkpoint " + path + ": " + msg);
    }

    /** The folder holding data.pkl; torch names it after the file stem, so find it instead of guessing. */
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
        } catch (ZipException ex) {
            throw bad("entry " + e.getName() + " is damaged: " + ex.getMessage());
        }
    }

    /** Unpickles data.pkl into Java values with lazy tensors. */
    Object unpickle() throws IOException {
        ZipEntry e = zip.getEntry(prefix + "data.pkl");
        byte[] pkl = readSmall(e, Integer.MAX_VALUE - 64);
        return new RestrictedUnpickler(pkl, path + ":" + e.getName(), this::persistentLoad).load();
    }

    private Object persistentLoad(Object pid) throws IOException {
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0)))
            throw bad("unsupported persistent id (expected a tuple ('storage', type, key, location, numel))");
        if (!(t.get(1) instanceof RestrictedUnpickler.Global g) || RestrictedUnpickler.storageDType(g) == null)
            throw bad("storage persistent id names no known storage type");
        if (!(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel) || numel < 0)
            throw bad("malformed storage persistent id (key, numel)");
        String location = t.get(3) instanceof String s ? s : String.valueOf(t.get(3));
        DType dt = RestrictedUnpickler.storageDType(g);
        StorageRef prev = storages.get(key);
        if (prev != null) {
            if (prev.dtype() != dt || prev.numel() != numel) throw bad("storage " + key + " described twice differently");
            return prev;
        }
        StorageRef r = new StorageRef(dt, key, numel, location);
        storages.put(key, r);
        return r;
    }

    /** Reads and converts a whole storage to float32 (cached until {@link #release}). */
    private float[] storage(StorageRef s) throws IOException {
        float[] cached = loaded.get(s.key());
        if (cached != null) return cached;
        String name = prefix + "data/" + s.key();
        ZipEntry e = zip.getEntry(name);
        if (e == null) throw bad("missing storage entry " + name);
        long need;
        try {
            need = Math.multiplyExact(s.numel(), s.dtype().byteSize());
        } catch (ArithmeticException ex) {
            throw bad("storage " + s.key() + " is too large");
        }
        if (s.numel() > Integer.MAX_VALUE - 16)
            throw new IOException("storage " + s.key() + " in " + path + " has " + s.numel() + " elements, more than one float array holds");
        if (e.getSize() >= 0 && e.getSize() < need)
            throw bad("storage entry " + name + " has " + e.getSize() + " bytes, needs " + need + " for " + s.numel() + " " + s.dtype());
        // The entry sizes come from the (untrusted) central directory: bound what we allocate by the real file size.
        long compressed = Math.min(Math.max(0, e.getCompressedSize()), fileSize);
        long bound = e.getMethod() == ZipEntry.STORED ? compressed : compressed * MAX_DEFLATE_RATIO;
        if (need > bound) throw bad("storage entry " + name + " claims more data than the file can hold");
        float[] out = new float[(int) s.numel()];
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
        } catch (ZipException ex) {
            throw bad("storage entry " + name + " is damaged: " + ex.getMessage());
        }
        loaded.put(s.key(), out);
        return out;
    }

    /**
     * Declares the tensors about to be materialised (one entry per {@link #materialize} call). Each storage is then
     * dropped after its last planned user, and that last user takes the converted array itself when it covers the
     * whole storage contiguously: loading a checkpoint then needs about one copy of the weights, not two.
     */
    void plan(Iterable<LazyTensor> ts) {
        for (LazyTensor t : ts) pendingUses.merge(t.storage().key(), 1, Integer::sum);
    }

    /** Copies a (possibly strided) view of its storage into a new contiguous float32 tensor. */
    Tensor materialize(LazyTensor t) throws IOException {
        int[] size = t.size();
        long n = 1;
        for (int s : size) n *= s;
        if (n > Integer.MAX_VALUE - 16) throw new IOException("tensor in " + path + " too large for one float array");
        if (t.offset() < 0) throw bad("negative storage offset " + t.offset());
        boolean contiguous = true;
        long expect = 1;
        if (n > 0) {
            long last = t.offset();
            for (int i = size.length - 1; i >= 0; i--) {
                if (t.stride()[i] < 0) throw bad("negative stride");
                last += (size[i] - 1L) * t.stride()[i];
                if (size[i] != 1 && t.stride()[i] != expect) contiguous = false;
                expect *= size[i];
            }
            if (last >= t.storage().numel())
                throw bad("tensor view (offset " + t.offset() + ", size " + java.util.Arrays.toString(size)
                        + ", stride " + java.util.Arrays.toString(t.stride()) + ") exceeds storage " + t.storage().key()
                        + " of " + t.storage().numel() + " elements");
        }
        String key = t.storage().key();
        Integer uses = pendingUses.get(key);
        boolean lastUse = uses != null && uses <= 1;
        if (n == 0) {
            release(key, uses);
            return Tensor.of(new float[0], size);
        }
        float[] st = storage(t.storage());
        release(key, uses);
        if (lastUse && contiguous && t.offset() == 0 && n == st.length) return Tensor.of(st, size);
        float[] out = new float[(int) n];
        gather(st, t.offset(), size, t.stride(), out);
        return Tensor.of(out, size);
    }

    private void release(String key, Integer uses) {
        if (uses == null) return; // unplanned: keep the storage cached until close
        if (uses <= 1) {
            pendingUses.remove(key);
            loaded.remove(key);
        } else pendingUses.put(key, uses - 1);
    }

    private static void gather(float[] src, long offset, int[] size, long[] stride, float[] out) {
        int d = size.length;
        if (d == 0) { out[0] = src[(int) offset]; return; }
        int inner = size[d - 1];
        long is = stride[d - 1];
        int rows = out.length / inner;
        int[] idx = new int[d - 1];
        for (int r = 0; r < rows; r++) {
            long base = offset;
            for (int i = 0; i < d - 1; i++) base += idx[i] * stride[i];
            int o = r * inner;
            if (is == 1) System.arraycopy(src, (int) base, out, o, inner);
            else for (int j = 0; j < inner; j++) out[o + j] = src[(int) (base + j * is)];
            for (int i = d - 2; i >= 0; i--) { if (++idx[i] < size[i]) break; idx[i] = 0; }
        }
    }

    /**
     * Replaces every lazy tensor inside {@code v} (maps, lists, tuples, sets) by a loaded Tensor; global markers
     * become their qualified names. Shared and cyclic structure is preserved.
     */
    Object materializeAll(Object v) throws IOException {
        List<LazyTensor> all = new ArrayList<>();
        collect(v, java.util.Collections.newSetFromMap(new IdentityHashMap<>()), all, 0);
        plan(all);
        return convert(v, new IdentityHashMap<>(), 0);
    }

    /** Every distinct lazy tensor reachable from {@code v}, in depth-first order. */
    private void collect(Object v, Set<Object> seen, List<LazyTensor> out, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw bad("object nesting deeper than " + MAX_DEPTH);
        if (!(v instanceof LazyTensor || v instanceof Map<?, ?> || v instanceof List<?> || v instanceof Set<?>) || !seen.add(v)) return;
        if (v instanceof LazyTensor t) out.add(t);
        else if (v instanceof Map<?, ?> m) for (Object o : m.values()) collect(o, seen, out, depth + 1);
        else for (Object o : (java.util.Collection<?>) v) collect(o, seen, out, depth + 1);
    }

    private Object convert(Object v, IdentityHashMap<Object, Object> done, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw bad("object nesting deeper than " + MAX_DEPTH);
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof DType || v instanceof byte[])
            return v;
        Object prev = done.get(v);
        if (prev != null) return prev;
        if (v instanceof LazyTensor t) {
            Tensor r = materialize(t);
            done.put(v, r);
            return r;
        }
        if (v instanceof RestrictedUnpickler.Global g) return g.qualified();
        if (v instanceof StorageRef s) return "storage " + s.dtype() + "[" + s.numel() + "]";
        if (v instanceof Map<?, ?> m) {
            LinkedHashMap<Object, Object> r = new LinkedHashMap<>();
            done.put(v, r);
            for (Map.Entry<?, ?> e : m.entrySet()) r.put(e.getKey(), convert(e.getValue(), done, depth + 1));
            return r;
        }
        if (v instanceof List<?> l) {
            List<Object> r = new ArrayList<>(l.size());
            done.put(v, r);
            for (Object o : l) r.add(convert(o, done, depth + 1));
            return r;
        }
        if (v instanceof Set<?> s) {
            Set<Object> r = new LinkedHashSet<>();
            done.put(v, r);
            for (Object o : s) r.add(convert(o, done, depth + 1));
            return r;
        }
        return v;
    }

    @Override
    public void close() throws IOException {
        loaded.clear();
        zip.close();
    }
}
