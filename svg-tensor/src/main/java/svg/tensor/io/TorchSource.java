package svg.tensor.io;

import svg.tensor.Tensor;
import svg.tensor.io.RestrictedUnpickler.LazyTensor;
import svg.tensor.io.RestrictedUnpickler.StorageRef;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A torch.save file being read: the pickled object (with {@link LazyTensor}s) plus a way to read raw storages.
 * Subclasses know the container ({@link TorchArchive}: zip, since torch 1.6; {@link LegacyTorchFile}: the older
 * stream of pickles). Here: turning lazy tensors into contiguous float32 Tensors, each storage read at most once.
 */
abstract class TorchSource implements Closeable {
    private static final int MAX_DEPTH = 1000;
    /** The most elements one float array may hold here (the JVM's own limit is slightly below Integer.MAX_VALUE). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    /**
     * Tensors may share storages (tied weights, views of one buffer), but all the tensors of one file together may
     * hold at most this many times the elements of the storages they view, plus {@link #FAN_OUT_SLACK}: a small
     * file naming one storage from a million keys is refused instead of being copied a million times.
     */
    static final long MAX_FAN_OUT = 8;
    static final long FAN_OUT_SLACK = 1L << 24;

    protected final Path path;
    private final Map<String, float[]> loaded = new HashMap<>();
    private final Map<String, Integer> pendingUses = new HashMap<>();
    private final Set<String> counted = new HashSet<>();
    private long storageElements;
    private long materialized;

    protected TorchSource(Path path) { this.path = path; }

    /** Opens either format (zip or legacy), judged by the first bytes. */
    static TorchSource open(Path p) throws IOException {
        return TensorFiles.detect(p) == TensorFiles.Format.LEGACY_TORCH ? new LegacyTorchFile(p) : new TorchArchive(p);
    }

    /** The pickled object, tensors left lazy. */
    abstract Object unpickle() throws IOException;

    /** The whole storage converted to float32 (numel elements). */
    protected abstract float[] readStorage(StorageRef s) throws IOException;

    protected IOException bad(String msg) {
        return new IOException("corrupt torch checkpoint " + path + ": " + msg);
    }

    /** Storage types named in persistent ids, e.g. torch.FloatStorage -> F32. */
    protected DType storageType(Object o) throws IOException {
        DType dt = o instanceof RestrictedUnpickler.Global g ? RestrictedUnpickler.storageDType(g) : null;
        if (dt == null) throw bad("storage persistent id names no known storage type");
        return dt;
    }

    private float[] storage(StorageRef s) throws IOException {
        float[] cached = loaded.get(s.key());
        if (cached != null) return cached;
        if (s.numel() > MAX_ARRAY)
            throw bad("storage " + s.key() + " has " + s.numel() + " elements, more than one float array holds");
        float[] out = readStorage(s);
        if (counted.add(s.key())) storageElements += out.length;
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

    /**
     * Copies a (possibly strided) view of its storage into a new contiguous float32 tensor. The view is checked
     * first, with exact arithmetic ({@link #checkView}), so nothing is allocated for a view that reads outside its
     * storage, reads an element twice (a stride-0 expand) or has an element count that overflows.
     */
    Tensor materialize(LazyTensor t) throws IOException {
        int[] size = t.size();
        long n = checkView(t);
        String key = t.storage().key();
        Integer uses = pendingUses.get(key);
        boolean lastUse = uses != null && uses <= 1;
        if (n == 0) {
            release(key, uses);
            return Tensor.of(new float[0], size);
        }
        float[] st = storage(t.storage());
        if (n > MAX_FAN_OUT * storageElements + FAN_OUT_SLACK - materialized)
            throw bad("its tensors hold " + (materialized + n) + " elements so far, more than " + MAX_FAN_OUT
                    + " times the " + storageElements + " elements of the storages they view (many tensors share one storage)");
        materialized += n;
        release(key, uses);
        boolean contiguous = isContiguous(size, t.stride());
        if (lastUse && contiguous && t.offset() == 0 && n == st.length) return Tensor.of(st, size);
        float[] out = new float[(int) n];
        gather(st, t.offset(), size, t.stride(), out);
        return Tensor.of(out, size);
    }

    /**
     * The element count of a tensor view, after checking that the view can be read: the count and every index are
     * computed exactly (an overflow is refused, not wrapped), the offset and strides are not negative, the view stays
     * inside its storage, and it never reads one storage element twice. The last rule refuses stride-0 (expanded)
     * views: torch allows them in memory, but a saved state dict never holds one (parameters and buffers own their
     * elements), and materialising one would allocate its full element count from a storage of a few elements.
     */
    long checkView(LazyTensor t) throws IOException {
        int[] size = t.size();
        long[] stride = t.stride();
        String where = "tensor view (offset " + t.offset() + ", size " + Arrays.toString(size) + ", stride "
                + Arrays.toString(stride) + ") of storage " + t.storage().key() + " (" + t.storage().numel() + " elements)";
        if (size.length != stride.length) throw bad(where + ": size and stride lengths differ");
        long n = exactNumel(size, where);
        if (n > MAX_ARRAY) throw bad(where + " has " + n + " elements, more than one float array holds");
        if (t.offset() < 0) throw bad(where + ": negative storage offset");
        if (n == 0) return 0;
        // Dimensions of size 1 never move the index: their stride is irrelevant (torch writes anything there).
        Integer[] dims = new Integer[size.length];
        int k = 0;
        for (int i = 0; i < size.length; i++) {
            if (size[i] == 1) continue;
            if (stride[i] < 0) throw bad(where + ": negative stride");
            if (stride[i] == 0)
                throw bad(where + ": a stride-0 (expanded) view would read " + n + " elements from "
                        + t.storage().numel() + "; a state dict never holds one");
            dims[k++] = i;
        }
        Integer[] moving = Arrays.copyOf(dims, k);
        Arrays.sort(moving, (a, b) -> Long.compare(stride[a], stride[b]));
        long extent = 1; // elements spanned by the dimensions with smaller strides
        try {
            for (int i : moving) {
                if (stride[i] < extent) throw bad(where + ": the view reads some storage elements more than once");
                extent = Math.addExact(extent, Math.multiplyExact(size[i] - 1L, stride[i]));
            }
            long end = Math.addExact(t.offset(), extent); // one past the last element read
            if (end > t.storage().numel()) throw bad(where + " reaches element " + (end - 1) + ", outside its storage");
        } catch (ArithmeticException e) {
            throw bad(where + ": its extent overflows");
        }
        return n;
    }

    /** The product of the sizes, exactly; zero when any size is zero. */
    long exactNumel(int[] size, String where) throws IOException {
        for (int s : size) {
            if (s < 0) throw bad(where + ": negative size");
            if (s == 0) return 0;
        }
        long n = 1;
        try {
            for (int s : size) n = Math.multiplyExact(n, s);
        } catch (ArithmeticException e) {
            throw bad(where + ": element count overflows");
        }
        return n;
    }

    private static boolean isContiguous(int[] size, long[] stride) {
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) return false;
            expect *= size[i];
        }
        return true;
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
        collect(v, Collections.newSetFromMap(new IdentityHashMap<>()), all, 0);
        plan(all);
        return convert(v, new IdentityHashMap<>(), 0);
    }

    /** Every distinct lazy tensor reachable from {@code v}, in depth-first order. */
    private void collect(Object v, Set<Object> seen, List<LazyTensor> out, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw bad("object nesting deeper than " + MAX_DEPTH);
        if (!(v instanceof LazyTensor || v instanceof Map<?, ?> || v instanceof List<?> || v instanceof Set<?>) || !seen.add(v)) return;
        if (v instanceof LazyTensor t) out.add(t);
        else if (v instanceof Map<?, ?> m) for (Object o : m.values()) collect(o, seen, out, depth + 1);
        else for (Object o : (Collection<?>) v) collect(o, seen, out, depth + 1);
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
    }
}
