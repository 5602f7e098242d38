package svg.tensor;

import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.ReduceOp;
import svg.tensor.backend.UnaryOp;

import java.util.Arrays;
import java.util.List;

/**
 * A float32 n-d array: a flat host buffer plus shape, strides and offset, so reshape/permute/narrow/expand are
 * views without copies. Every op dispatches to the current {@link Backend} and, when gradients are on, records an
 * autograd {@link Node}.
 *
 * <p>Tensors are immutable from the model's point of view; only optimisers and loaders write into buffers
 * ({@link #data()}), inside no-grad scopes.
 */
public final class Tensor {
    private Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private boolean requiresGrad;
    private Tensor grad;
    private Node node;

    private Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    // ---------------------------------------------------------------- creation

    /** Wraps {@code data} (not copied) as a contiguous tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        long n = numel(shape);
        if (n != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        return new Tensor(Storage.of(data), shape.clone(), contiguousStrides(shape), 0);
    }

    /** A new zero-filled contiguous tensor. */
    public static Tensor empty(int... shape) { return zeros(shape); }

    public static Tensor zeros(int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return new Tensor(Storage.of(new float[(int) n]), shape.clone(), contiguousStrides(shape), 0);
    }

    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data(), value);
        return t;
    }

    public static Tensor ones(int... shape) { return full(1f, shape); }

    public static Tensor scalar(float v) { return of(new float[]{v}); }

    /** 0, 1, ..., n-1. */
    public static Tensor arange(int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = i;
        return of(d, n);
    }

    /** Standard normal samples drawn in row-major order from {@code rng}. */
    public static Tensor randn(Rng rng, int... shape) {
        Tensor t = zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return t;
    }

    /** Uniform samples in [lo, hi) drawn in row-major order. */
    public static Tensor rand(Rng rng, float lo, float hi, int... shape) {
        Tensor t = zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.nextFloat();
        return t;
    }

    // ---------------------------------------------------------------- geometry

    public int[] shape() { return shape.clone(); }

    public int[] strides() { return strides.clone(); }

    public int offset() { return offset; }

    public int dim() { return shape.length; }

    /** Size of axis {@code d}; negative d counts from the end. */
    public int size(int d) { return shape[axis(d)]; }

    public int numel() { return (int) numel(shape); }

    /**
     * The underlying buffer (shared with views): index with {@link #offset()} and {@link #strides()}. Writable, so
     * each call counts as a write to the storage ({@link Storage#version()}).
     */
    public float[] data() { return storage.host(); }

    /** The storage behind this tensor and its views: float32, bfloat16, or deferred (held by a device backend). */
    public Storage storage() { return storage; }

    /** True when the values are stored as bfloat16 ({@link #data()} then returns a widened copy). */
    public boolean isBf16() { return storage.isBf16(); }

    // ---------------------------------------------------------------- storage forms

    /** Wraps bfloat16 bits (not copied) as a contiguous, frozen tensor of the given shape. */
    public static Tensor ofBf16(short[] bits, int... shape) {
        long n = numel(shape);
        if (n != bits.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + bits.length);
        return new Tensor(Storage.ofBf16(bits), shape.clone(), contiguousStrides(shape), 0);
    }

    /** A new zero-filled bfloat16 tensor (frozen; fill it with {@link #copyFrom}). */
    public static Tensor zerosBf16(int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return ofBf16(new short[(int) n], shape);
    }

    /**
     * A contiguous tensor whose values a backend holds elsewhere (on a device) and copies to the host on the first
     * {@link #data()}; see {@link Storage}.
     */
    public static Tensor deferred(Storage.Deferred source, int... shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return new Tensor(Storage.deferred((int) n, source), shape.clone(), contiguousStrides(shape), 0);
    }

    /** A new contiguous bfloat16 copy (round to nearest even, as torch's {@code .bfloat16()}); no gradient. */
    public Tensor toBf16() {
        if (isBf16() && isContiguous() && offset == 0 && storage.length() == numel()) return new Tensor(storage, shape, strides, 0);
        return ofBf16(Storage.narrow(compactData(), 0, numel()), shape);
    }

    /**
     * Switches this leaf's own storage to bfloat16 in place (rounding to nearest even) and freezes it, so that the
     * modules holding it keep working and the float32 array can be freed: inference weights at half the memory.
     * Views taken before keep the old storage. Needs a compact tensor that is not part of a graph.
     */
    public Tensor storeAsBf16() {
        if (isBf16()) return this;
        requireOwnStorage("storeAsBf16");
        storage = Storage.ofBf16(Storage.narrow(storage.host(), 0, numel()));
        requiresGrad = false;
        grad = null;
        return this;
    }

    /** Switches a bfloat16 leaf back to float32 storage in place (exact); it stays frozen until asked otherwise. */
    public Tensor storeAsFloat32() {
        if (!isBf16()) return this;
        requireOwnStorage("storeAsFloat32");
        storage = Storage.of(storage.host());
        return this;
    }

    /**
     * Overwrites this compact tensor's values (row-major): the one way to write a bfloat16 tensor (values are
     * rounded), and an array copy for float32.
     */
    public Tensor copyFrom(float[] values) {
        requireOwnStorage("copyFrom");
        if (values.length != numel())
            throw new IllegalArgumentException("copyFrom: " + values.length + " values for shape " + Arrays.toString(shape));
        if (isBf16()) {
            Storage.narrowInto(values, 0, storage.bf16());
            storage.markWritten();
        } else {
            System.arraycopy(values, 0, data(), 0, values.length);
        }
        return this;
    }

    private void requireOwnStorage(String what) {
        if (node != null) throw new IllegalStateException(what + " on a tensor computed by an op; use it on leaves");
        if (!isContiguous() || offset != 0 || storage.length() != numel())
            throw new IllegalStateException(what + " needs a compact tensor, got a view of shape " + Arrays.toString(shape));
    }

    public boolean isContiguous() {
        int expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /** The element count, exact: a negative size or a count beyond a long (which would wrap) is refused. */
    static long numel(int[] shape) {
        long n = 1;
        boolean overflow = false, empty = false;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            if (s == 0) empty = true;
            long m = n * s;
            if (Math.multiplyHigh(n, s) != 0 || m < 0) overflow = true;
            n = m;
        }
        if (empty) return 0;
        if (overflow) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more elements than a long counts");
        return n;
    }

    static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= shape[i];
        }
        return st;
    }

    private int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length)
            throw new IllegalArgumentException("axis " + d + " out of range for shape " + Arrays.toString(shape));
        return a;
    }

    /** Element at a multi-index (slow; tests and small tensors). */
    public float get(int... idx) {
        if (idx.length != shape.length) throw new IllegalArgumentException("need " + shape.length + " indices");
        int p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new IndexOutOfBoundsException(Arrays.toString(idx));
            p += idx[i] * strides[i];
        }
        return storage.isBf16() ? Bf16.toFloat(storage.bf16()[p]) : storage.read()[p];
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalStateException("item() on tensor of shape " + Arrays.toString(shape));
        Tensor c = contiguous();
        return c.storage.read()[c.offset];
    }

    /** Values in row-major order (a copy). */
    public float[] toArray() {
        Tensor c = contiguous();
        return Arrays.copyOfRange(c.storage.read(), c.offset, c.offset + c.numel());
    }

    /** A contiguous tensor whose data array starts at offset 0 and has exactly numel() elements. */
    public Tensor compact() {
        if (isContiguous() && offset == 0 && storage.length() == numel()) return this;
        Tensor out = of(toArray(), shape);
        return record(out, "compact", new Tensor[]{this}, g -> new Tensor[]{g});
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape));
        if (numel() <= 16) sb.append(Arrays.toString(toArray()));
        if (requiresGrad) sb.append(" requiresGrad");
        return sb.toString();
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf as a parameter whose gradient is accumulated into {@link #grad()}. */
    public Tensor requiresGrad(boolean on) {
        if (on && isBf16())
            throw new IllegalStateException("a bfloat16 tensor is frozen (inference weights); storeAsFloat32() it to train it");
        if (node != null && !on) throw new IllegalStateException("cannot clear requiresGrad on a non-leaf; use detach()");
        this.requiresGrad = on;
        return this;
    }

    public Tensor grad() { return grad; }

    public void zeroGrad() { grad = null; }

    /** The op that produced this tensor, or null for leaves and no-grad results. */
    public Node node() { return node; }

    /** Accumulates a gradient into this leaf (called by {@link Autograd}). */
    public void accumulateGrad(Tensor g) {
        try (var s = GradMode.noGrad()) {
            // always a fresh buffer: g may be the caller's gradOut or a view of another tensor, and optimisers
            // write into grad buffers
            grad = grad == null ? of(g.toArray(), shape) : grad.add(g);
        }
    }

    /** Same values, no graph: gradients stop here. */
    public Tensor detach() { return new Tensor(storage, shape, strides, offset); }

    /** Back-propagates from a scalar (one-element) tensor. */
    public void backward() {
        if (numel() != 1) throw new IllegalStateException("backward() needs a scalar; use backward(grad)");
        Autograd.backward(this, full(1f, shape));
    }

    public void backward(Tensor gradOut) { Autograd.backward(this, gradOut); }

    private static Tensor record(Tensor out, String op, Tensor[] inputs, Node.Backward bw) {
        if (!GradMode.isEnabled()) return out;
        boolean any = false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad) { any = true; break; }
        if (!any) return out;
        out.requiresGrad = true;
        out.node = new Node(op, inputs, bw);
        return out;
    }

    /** The current backend behind its scheduler: ops it does not support run on the fallback backend. */
    private static Backend be() { return Backends.dispatch(); }

    /**
     * Runs {@code ops} (one transformer block, a whole forward) as one unit on the current backend. An eager backend
     * simply runs it; a device backend may record the ops on the first call and replay them as one task graph later,
     * keeping tensors on the device in between. Model code marks blocks here, never through a backend.
     */
    public static <T> T block(String name, java.util.function.Supplier<T> ops) { return be().runBlock(name, ops); }

    // ---------------------------------------------------------------- views

    /** A view with a new shape (one entry may be -1); copies only when the layout is not contiguous. */
    public Tensor reshape(int... newShape) {
        int[] ns = inferShape(newShape);
        if (!isContiguous()) return contiguous().reshape(ns);
        Tensor out = new Tensor(storage, ns, contiguousStrides(ns), offset);
        final int[] old = shape;
        return record(out, "reshape", new Tensor[]{this}, g -> new Tensor[]{g.reshape(old)});
    }

    public Tensor view(int... newShape) { return reshape(newShape); }

    public Tensor flatten() { return reshape(-1); }

    private int[] inferShape(int[] ns) {
        ns = ns.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < ns.length; i++) {
            if (ns[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(ns));
                infer = i;
            } else known *= ns[i];
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0)
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(ns));
            ns[infer] = (int) (numel() / known);
        }
        if (numel(ns) != numel())
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(ns));
        return ns;
    }

    /** Reorders axes (a view). */
    public Tensor permute(int... perm) {
        if (perm.length != shape.length) throw new IllegalArgumentException("permute needs " + shape.length + " axes");
        int[] ns = new int[perm.length], st = new int[perm.length], inv = new int[perm.length];
        boolean[] used = new boolean[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = axis(perm[i]);
            if (used[p]) throw new IllegalArgumentException("repeated axis in permute " + Arrays.toString(perm));
            used[p] = true;
            ns[i] = shape[p];
            st[i] = strides[p];
            inv[p] = i;
        }
        Tensor out = new Tensor(storage, ns, st, offset);
        return record(out, "permute", new Tensor[]{this}, g -> new Tensor[]{g.permute(inv)});
    }

    /** Swaps two axes (a view). */
    public Tensor transpose(int a, int b) {
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) p[i] = i;
        a = axis(a);
        b = axis(b);
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** Elements [start, start+length) of axis d (a view). */
    public Tensor narrow(int d, int start, int length) {
        int a = axis(d);
        if (start < 0 || length < 0 || start + length > shape[a])
            throw new IllegalArgumentException("narrow(" + d + ", " + start + ", " + length + ") out of range for " + Arrays.toString(shape));
        int[] ns = shape.clone();
        ns[a] = length;
        Tensor out = new Tensor(storage, ns, strides.clone(), offset + start * strides[a]);
        final int[] full = shape;
        return record(out, "narrow", new Tensor[]{this}, g -> new Tensor[]{padInto(g, full, a, start)});
    }

    /** Index {@code i} of axis d, removing that axis (a view). */
    public Tensor select(int d, int i) { return narrow(d, i, 1).squeeze(d); }

    /** Zeros of {@code full} shape with g written at [start, start+len) of axis a. */
    private static Tensor padInto(Tensor g, int[] full, int a, int start) {
        Tensor z = zeros(full);
        Tensor dst = new Tensor(z.storage, g.shape.clone(), z.strides.clone(), start * z.strides[a]);
        copyStrided(g, dst);
        return z;
    }

    /** Broadcast view to a larger shape (stride 0 on expanded axes; new leading axes allowed). */
    public Tensor expand(int... target) {
        if (target.length < shape.length)
            throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to " + Arrays.toString(target));
        int lead = target.length - shape.length;
        int[] st = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            if (i < lead) { st[i] = 0; continue; }
            int s = shape[i - lead];
            if (s == target[i]) st[i] = strides[i - lead];
            else if (s == 1) st[i] = 0;
            else throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to " + Arrays.toString(target));
        }
        if (Arrays.equals(target, shape)) return this;
        Tensor out = new Tensor(storage, target.clone(), st, offset);
        final int[] orig = shape;
        return record(out, "expand", new Tensor[]{this}, g -> new Tensor[]{g.sumTo(orig)});
    }

    public Tensor unsqueeze(int d) {
        int a = d < 0 ? d + shape.length + 1 : d;
        if (a < 0 || a > shape.length) throw new IllegalArgumentException("unsqueeze axis " + d);
        int[] ns = new int[shape.length + 1];
        for (int i = 0, j = 0; i < ns.length; i++) ns[i] = i == a ? 1 : shape[j++];
        return reshapeView(ns);
    }

    public Tensor squeeze(int d) {
        int a = axis(d);
        if (shape[a] != 1) throw new IllegalArgumentException("squeeze axis " + d + " has size " + shape[a]);
        int[] ns = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != a) ns[j++] = shape[i];
        return reshapeView(ns);
    }

    /** Adding/removing size-1 axes never needs a copy, whatever the strides. */
    private Tensor reshapeView(int[] ns) {
        int[] st = new int[ns.length];
        int j = 0;
        for (int i = 0; i < ns.length; i++) {
            while (j < shape.length && shape[j] == 1 && ns[i] != 1) j++;
            if (ns[i] == 1 && (j >= shape.length || shape[j] != 1)) { st[i] = 0; continue; }
            st[i] = strides[j];
            j++;
        }
        Tensor out = new Tensor(storage, ns, st, offset);
        final int[] old = shape;
        return record(out, "view", new Tensor[]{this}, g -> new Tensor[]{g.reshape(old)});
    }

    /** This tensor, or a contiguous copy of it. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        Tensor out = deviceCopy();
        if (out == null) {
            out = zeros(shape);
            copyStrided(this, out);
        }
        return record(out, "contiguous", new Tensor[]{this}, g -> new Tensor[]{g});
    }

    /**
     * A compact copy of this view made by the backend that holds a deferred storage (so that the values stay on its
     * device), or null: the storage is on the host, or its holder leaves the copy to the host.
     */
    private Tensor deviceCopy() {
        Storage.Deferred d = storage.deferred();
        if (d == null) return null;
        Tensor c = d.copy(detach());
        if (c != null && (!Arrays.equals(c.shape, shape) || !c.isContiguous()))
            throw new IllegalStateException("deferred copy returned shape " + Arrays.toString(c.shape) + " for " + Arrays.toString(shape));
        return c;
    }

    /**
     * This tensor's values as a compact tensor of shape {@code s} (same element count): a view sharing the storage
     * when it already is compact, else a copy. Unlike {@code of(compactData(), s)} this does not read a deferred
     * storage, so a device backend's output can go to the next op without visiting the host. bfloat16 storage gets
     * a float32 copy, as before.
     */
    private Tensor compactAs(int... s) {
        if (numel(s) != numel())
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " needs " + numel(s) + " values, got " + numel());
        Tensor c = this;
        if (!storage.isBf16() && !(isContiguous() && offset == 0 && storage.length() == numel())) {
            Tensor d = deviceCopy();
            if (d != null) c = d;
        }
        if (!c.storage.isBf16() && c.isContiguous() && c.offset == 0 && c.storage.length() == c.numel())
            return new Tensor(c.storage, s.clone(), contiguousStrides(s), 0);
        return of(c.compactData(), s);
    }

    /** Copies src into dst element by element (same shapes, any strides). Data movement, not compute. */
    static void copyStrided(Tensor src, Tensor dst) {
        int n = src.shape.length;
        float[] sd = src.data(), dd = dst.data();
        if (n == 0) { dd[dst.offset] = sd[src.offset]; return; }
        int rows = 1;
        for (int i = 0; i < n - 1; i++) rows *= src.shape[i];
        int len = src.shape[n - 1], ss = src.strides[n - 1], ds = dst.strides[n - 1];
        int[] idx = new int[Math.max(0, n - 1)];
        for (int r = 0; r < rows; r++) {
            int sp = src.offset, dp = dst.offset;
            for (int i = 0; i < n - 1; i++) { sp += idx[i] * src.strides[i]; dp += idx[i] * dst.strides[i]; }
            if (ss == 1 && ds == 1) System.arraycopy(sd, sp, dd, dp, len);
            else for (int j = 0; j < len; j++) dd[dp + j * ds] = sd[sp + j * ss];
            for (int i = n - 2; i >= 0; i--) { if (++idx[i] < src.shape[i]) break; idx[i] = 0; }
        }
    }

    /** Concatenation along axis d. */
    public static Tensor cat(int d, List<Tensor> ts) {
        if (ts.isEmpty()) throw new IllegalArgumentException("cat of nothing");
        Tensor f = ts.get(0);
        int a = f.axis(d);
        int[] ns = f.shape.clone();
        ns[a] = 0;
        for (Tensor t : ts) {
            if (t.dim() != f.dim()) throw new IllegalArgumentException("cat: rank mismatch");
            for (int i = 0; i < ns.length; i++)
                if (i != a && t.shape[i] != f.shape[i])
                    throw new IllegalArgumentException("cat: shapes " + Arrays.toString(f.shape) + " and " + Arrays.toString(t.shape));
            ns[a] += t.shape[a];
        }
        int pos = 0;
        int[] starts = new int[ts.size()];
        for (int k = 0; k < ts.size(); k++) {
            starts[k] = pos;
            pos += ts.get(k).shape[a];
        }
        // a part held by a backend (on a device): its holder may concatenate where the values are
        Tensor out = null;
        for (Tensor t : ts) {
            Storage.Deferred dd = t.storage.deferred();
            if (dd == null) continue;
            List<Tensor> parts = ts.stream().map(Tensor::detach).toList();
            out = dd.cat(a, parts);
            if (out != null && (!Arrays.equals(out.shape, ns) || !out.isContiguous()))
                throw new IllegalStateException("deferred cat returned shape " + Arrays.toString(out.shape) + " for " + Arrays.toString(ns));
            break;
        }
        if (out == null) {
            out = zeros(ns);
            for (int k = 0; k < ts.size(); k++) {
                Tensor t = ts.get(k);
                copyStrided(t, new Tensor(out.storage, t.shape.clone(), out.strides.clone(), starts[k] * out.strides[a]));
            }
        }
        Tensor[] ins = ts.toArray(new Tensor[0]);
        return record(out, "cat", ins, g -> {
            Tensor[] r = new Tensor[ins.length];
            for (int k = 0; k < ins.length; k++) r[k] = g.narrow(a, starts[k], ins[k].shape[a]);
            return r;
        });
    }

    public static Tensor cat(int d, Tensor... ts) { return cat(d, List.of(ts)); }

    /** Stacks equal-shape tensors along a new axis d. */
    public static Tensor stack(int d, List<Tensor> ts) {
        return cat(d, ts.stream().map(t -> t.unsqueeze(d)).toList());
    }

    /** Splits axis d into pieces of the given sizes (views). */
    public Tensor[] split(int d, int... sizes) {
        Tensor[] r = new Tensor[sizes.length];
        int pos = 0;
        for (int i = 0; i < sizes.length; i++) { r[i] = narrow(d, pos, sizes[i]); pos += sizes[i]; }
        if (pos != size(d)) throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " != " + size(d));
        return r;
    }

    /** n equal pieces along axis d (views), like torch.chunk for divisible sizes. */
    public Tensor[] chunk(int n, int d) {
        if (size(d) % n != 0) throw new IllegalArgumentException("chunk: " + size(d) + " not divisible by " + n);
        int[] s = new int[n];
        Arrays.fill(s, size(d) / n);
        return split(d, s);
    }

    // ---------------------------------------------------------------- elementwise

    static int[] broadcastShape(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            int x = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int y = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (x != y && x != 1 && y != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            r[i] = Math.max(x, y);
        }
        return r;
    }

    /** Sums a broadcast gradient back down to {@code target} shape. */
    public Tensor sumTo(int[] target) {
        if (Arrays.equals(shape, target)) return this;
        int lead = shape.length - target.length;
        if (lead < 0) throw new IllegalArgumentException("sumTo: target " + Arrays.toString(target) + " larger than " + Arrays.toString(shape));
        int[] dims = new int[shape.length];
        int nd = 0;
        for (int i = 0; i < shape.length; i++)
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) dims[nd++] = i;
        Tensor r = nd == 0 ? this : sum(Arrays.copyOf(dims, nd), true);
        return r.reshape(target);
    }

    private Tensor binary(BinaryOp op, Tensor o) {
        int[] s = broadcastShape(shape, o.shape);
        Tensor a = this.expandNoGrad(s), b = o.expandNoGrad(s);
        Tensor out = be().binary(op, a, b);
        Tensor self = this;
        return switch (op) {
            case ADD -> record(out, "add", new Tensor[]{this, o}, g -> new Tensor[]{g.sumTo(self.shape), g.sumTo(o.shape)});
            case SUB -> record(out, "sub", new Tensor[]{this, o}, g -> new Tensor[]{g.sumTo(self.shape), g.neg().sumTo(o.shape)});
            case MUL -> record(out, "mul", new Tensor[]{this, o}, g -> new Tensor[]{
                    self.requiresGrad ? g.mul(o).sumTo(self.shape) : null,
                    o.requiresGrad ? g.mul(self).sumTo(o.shape) : null});
            case DIV -> record(out, "div", new Tensor[]{this, o}, g -> new Tensor[]{
                    self.requiresGrad ? g.div(o).sumTo(self.shape) : null,
                    o.requiresGrad ? g.mul(out).div(o).neg().sumTo(o.shape) : null});
            case MAX -> record(out, "max", new Tensor[]{this, o}, g -> {
                Tensor m = self.detach().ge(o.detach());
                return new Tensor[]{g.mul(m).sumTo(self.shape), g.mul(m.rsub(1f)).sumTo(o.shape)};
            });
            case POW -> record(out, "pow", new Tensor[]{this, o}, g -> new Tensor[]{
                    self.requiresGrad ? g.mul(o).mul(self.pow(o.sub(1f))).sumTo(self.shape) : null,
                    o.requiresGrad ? g.mul(out).mul(self.log()).sumTo(o.shape) : null});
            case GE -> out;
        };
    }

    private Tensor expandNoGrad(int[] s) {
        if (Arrays.equals(s, shape)) return detach();
        try (var g = GradMode.noGrad()) { return detach().expand(s); }
    }

    public Tensor add(Tensor o) { return binary(BinaryOp.ADD, o); }
    public Tensor sub(Tensor o) { return binary(BinaryOp.SUB, o); }
    public Tensor mul(Tensor o) { return binary(BinaryOp.MUL, o); }
    public Tensor div(Tensor o) { return binary(BinaryOp.DIV, o); }
    /** Elementwise maximum. */
    public Tensor maximum(Tensor o) { return binary(BinaryOp.MAX, o); }
    public Tensor pow(Tensor o) { return binary(BinaryOp.POW, o); }
    /** 1 where this >= o, else 0 (no gradient). */
    public Tensor ge(Tensor o) { return binary(BinaryOp.GE, o); }

    public Tensor add(float s) { return add(scalar(s)); }
    public Tensor sub(float s) { return sub(scalar(s)); }
    public Tensor mul(float s) { return mul(scalar(s)); }
    public Tensor div(float s) { return div(scalar(s)); }
    public Tensor pow(float s) { return pow(scalar(s)); }
    public Tensor maximum(float s) { return maximum(scalar(s)); }
    public Tensor ge(float s) { return ge(scalar(s)); }
    /** s - this. */
    public Tensor rsub(float s) { return scalar(s).sub(this); }
    public Tensor square() { return mul(this); }

    private Tensor unary(UnaryOp op) {
        Tensor out = be().unary(op, detach());
        Tensor x = this;
        Node.Backward bw = switch (op) {
            case NEG -> g -> new Tensor[]{g.neg()};
            case ABS -> g -> new Tensor[]{g.mul(x.detach().ge(0f).mul(2f).sub(1f))};
            case EXP -> g -> new Tensor[]{g.mul(out)};
            case LOG -> g -> new Tensor[]{g.div(x)};
            case SQRT -> g -> new Tensor[]{g.mul(0.5f).div(out)};
            case RSQRT -> g -> new Tensor[]{g.mul(out.mul(out).mul(out)).mul(-0.5f)};
            case TANH -> g -> new Tensor[]{g.mul(out.square().rsub(1f))};
            case SIGMOID -> g -> new Tensor[]{g.mul(out).mul(out.rsub(1f))};
            case GELU -> g -> new Tensor[]{g.mul(x.detach().unary(UnaryOp.GELU_GRAD))};
            case GELU_TANH -> g -> new Tensor[]{g.mul(x.detach().unary(UnaryOp.GELU_TANH_GRAD))};
            case SILU -> g -> new Tensor[]{g.mul(x.detach().unary(UnaryOp.SILU_GRAD))};
            case STEP, GELU_GRAD, GELU_TANH_GRAD, SILU_GRAD -> null;
        };
        return bw == null ? out : record(out, op.name().toLowerCase(), new Tensor[]{this}, bw);
    }

    public Tensor neg() { return unary(UnaryOp.NEG); }
    public Tensor abs() { return unary(UnaryOp.ABS); }
    public Tensor exp() { return unary(UnaryOp.EXP); }
    public Tensor log() { return unary(UnaryOp.LOG); }
    public Tensor sqrt() { return unary(UnaryOp.SQRT); }
    public Tensor rsqrt() { return unary(UnaryOp.RSQRT); }
    public Tensor tanh() { return unary(UnaryOp.TANH); }
    public Tensor sigmoid() { return unary(UnaryOp.SIGMOID); }
    /** Exact (erf) GELU. */
    public Tensor gelu() { return unary(UnaryOp.GELU); }
    /** tanh-approximated GELU. */
    public Tensor geluTanh() { return unary(UnaryOp.GELU_TANH); }
    public Tensor silu() { return unary(UnaryOp.SILU); }
    public Tensor relu() { return mul(unary(UnaryOp.STEP)); }
    /** 1 where x > 0 else 0 (no gradient). */
    public Tensor step() { return unary(UnaryOp.STEP); }

    // ---------------------------------------------------------------- reductions

    /** Moves the given axes last and flattens them: [rest..., reduced]. */
    private Tensor moveLast(int[] dims, int[] keptShapeOut) {
        boolean[] red = new boolean[shape.length];
        for (int d : dims) red[axis(d)] = true;
        int[] perm = new int[shape.length];
        int k = 0, n = 1;
        for (int i = 0; i < shape.length; i++) if (!red[i]) { perm[k] = i; keptShapeOut[k] = shape[i]; k++; }
        for (int i = 0; i < shape.length; i++) if (red[i]) { perm[k++] = i; n *= shape[i]; }
        Tensor p;
        try (var g = GradMode.noGrad()) { p = detach().permute(perm).contiguous(); }
        int[] rs = Arrays.copyOf(keptShapeOut, shape.length - dims.length + 1);
        rs[rs.length - 1] = n;
        return p.compactAs(rs);
    }

    private float[] compactData() {
        Tensor c = isContiguous() ? this : contiguous();
        if (c.offset == 0 && c.storage.length() == c.numel()) return c.data();
        return Arrays.copyOfRange(c.data(), c.offset, c.offset + c.numel());
    }

    private int[] keepShape(int[] dims, boolean keep) {
        boolean[] red = new boolean[shape.length];
        for (int d : dims) red[axis(d)] = true;
        int[] r = new int[shape.length];
        int k = 0;
        for (int i = 0; i < shape.length; i++) {
            if (!red[i]) r[k++] = shape[i];
            else if (keep) r[k++] = 1;
        }
        return Arrays.copyOf(r, k);
    }

    private static int[] uniq(int[] dims, int rank) {
        return Arrays.stream(dims).map(d -> d < 0 ? d + rank : d).distinct().sorted().toArray();
    }

    private Tensor reduce(ReduceOp op, int[] dims, boolean keep) {
        dims = uniq(dims, shape.length);
        for (int d : dims) axis(d);
        Tensor run = op == ReduceOp.SUM ? sumOverAxisRun(dims) : null;
        if (run != null) return run.compactAs(keepShape(dims, keep));
        int[] kept = new int[shape.length];
        Tensor m = moveLast(dims, kept);
        Tensor r = be().reduceLast(op, m);
        return r.compactAs(keepShape(dims, keep));
    }

    /**
     * A sum over one run of consecutive axes that leaves the last axis out (a bias gradient: the rows of [rows,
     * features]; a broadcast gradient: the tokens of [batch, tokens, features]), as the product of a row of ones with
     * [outer][n x inner]: the n rows are added in order, vectorised along the contiguous inner axes, instead of
     * moving the summed axes last with a transposing copy (that copy was 18 % of a DiT training step). Null when the
     * pattern does not apply (the caller then moves the axes last).
     */
    private Tensor sumOverAxisRun(int[] dims) {
        int a = dims[0], b = dims[dims.length - 1], rank = shape.length;
        if (b - a + 1 != dims.length || b == rank - 1 || !isContiguous() || isBf16()) return null;
        long outer = 1, n = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= shape[i];
        for (int i = a; i <= b; i++) n *= shape[i];
        for (int i = b + 1; i < rank; i++) inner *= shape[i];
        if (inner < 8 || n < 2 || outer * n * inner > Integer.MAX_VALUE) return null;
        try (var g = GradMode.noGrad()) {
            Tensor x3 = detach().reshape((int) outer, (int) n, (int) inner);
            return be().matmul(ones(1, 1, (int) n), false, x3, false); // [outer, 1, inner]
        }
    }

    /** Sum over the given axes (all axes when none are given). */
    public Tensor sum(int[] dims, boolean keepDim) {
        int[] ds = dims.length == 0 ? allAxes() : dims;
        Tensor out = reduce(ReduceOp.SUM, ds, keepDim);
        final int[] ks = keepShape(uniq(ds, shape.length), true), full = shape;
        return record(out, "sum", new Tensor[]{this}, g -> new Tensor[]{g.reshape(ks).expand(full).contiguous()});
    }

    public Tensor sum(int dim, boolean keepDim) { return sum(new int[]{dim}, keepDim); }

    /** Sum of all elements: a scalar. */
    public Tensor sum() { return sum(allAxes(), false); }

    public Tensor mean(int[] dims, boolean keepDim) {
        int[] ds = dims.length == 0 ? allAxes() : dims;
        long n = 1;
        for (int d : uniq(ds, shape.length)) n *= shape[d];
        return sum(ds, keepDim).mul(1f / n);
    }

    public Tensor mean(int dim, boolean keepDim) { return mean(new int[]{dim}, keepDim); }

    public Tensor mean() { return mean(allAxes(), false); }

    /** Variance over axes (two-pass); unbiased divides by n-1 as torch.var's default. */
    public Tensor var(int[] dims, boolean unbiased, boolean keepDim) {
        if (dims.length == 0) dims = allAxes(); // as sum/mean: no axes means all axes
        long n = 1;
        for (int d : uniq(dims, shape.length)) n *= shape[d];
        Tensor c = sub(mean(dims, true));
        Tensor ss = c.square().sum(dims, keepDim);
        return ss.mul(1f / (unbiased ? n - 1 : n));
    }

    /** Maximum over one axis. */
    public Tensor max(int dim, boolean keepDim) {
        Tensor out = reduce(ReduceOp.MAX, new int[]{dim}, keepDim);
        Tensor x = this;
        return record(out, "max", new Tensor[]{this}, g -> {
            // the gradient goes to the first maximum only (the ARGMAX index), so ties do not multiply it
            int a = axis(dim), n = shape[a];
            int[] ks = keepShape(new int[]{dim}, true), is = new int[shape.length];
            Arrays.fill(is, 1);
            is[a] = n;
            Tensor idx = x.detach().argmax(dim, true), iota = arange(n).reshape(is);
            Tensor mask = iota.ge(idx).mul(idx.ge(iota));
            return new Tensor[]{g.reshape(ks).mul(mask)};
        });
    }

    /** Index of the maximum along one axis (first on ties), as float values. */
    public Tensor argmax(int dim, boolean keepDim) { return reduce(ReduceOp.ARGMAX, new int[]{dim}, keepDim); }

    private int[] allAxes() {
        int[] a = new int[shape.length];
        for (int i = 0; i < a.length; i++) a[i] = i;
        return a;
    }

    // ---------------------------------------------------------------- row-wise ops over the last axis

    /** Runs a last-axis backend op on [rows, n] and restores the shape. */
    private Tensor rows(java.util.function.UnaryOperator<Tensor> f) {
        int n = shape.length == 0 ? 1 : shape[shape.length - 1];
        Tensor x2 = compactAs(numel() / Math.max(1, n), n);
        return f.apply(x2).compactAs(shape);
    }

    /** Softmax over axis d. */
    public Tensor softmax(int d) {
        int a = axis(d);
        if (a != shape.length - 1) return transpose(a, -1).softmax(-1).transpose(a, -1);
        Tensor out = rows(x -> be().softmax(x));
        return record(out, "softmax", new Tensor[]{this}, g -> new Tensor[]{out.mul(g.sub(g.mul(out).sum(-1, true)))});
    }

    public Tensor logSoftmax(int d) {
        int a = axis(d);
        if (a != shape.length - 1) return transpose(a, -1).logSoftmax(-1).transpose(a, -1);
        Tensor out = rows(x -> be().logSoftmax(x));
        return record(out, "logSoftmax", new Tensor[]{this}, g -> new Tensor[]{g.sub(out.exp().mul(g.sum(-1, true)))});
    }

    /** LayerNorm over the last axis; weight/bias nullable. */
    public Tensor layerNorm(Tensor weight, Tensor bias, float eps) {
        int n = size(-1);
        checkVec(weight, n, "layerNorm weight");
        checkVec(bias, n, "layerNorm bias");
        Tensor out = rows(x -> be().layerNorm(x, weight == null ? null : weight.contiguous(), bias == null ? null : bias.contiguous(), eps));
        Tensor x = this;
        return record(out, "layerNorm", new Tensor[]{this, weight, bias}, g -> {
            // two fused backend ops (Backend#layerNormBackward, #layerNormBackwardAffine) instead of a chain of a dozen
            // elementwise ops and row reductions over the whole input (a fifth of a DiT training step)
            int rows = numel() / Math.max(1, n);
            Tensor x2 = x.detach().compactAs(rows, n), g2 = g.compactAs(rows, n);
            Tensor w = weight == null ? null : weight.detach().contiguous();
            Tensor dx = x.requiresGrad ? be().layerNormBackward(x2, g2, w, eps).compactAs(x.shape) : null;
            Tensor dw = null, db = null;
            if ((weight != null && weight.requiresGrad) || (bias != null && bias.requiresGrad)) {
                Tensor wb = be().layerNormBackwardAffine(x2, g2, eps);
                dw = weight != null && weight.requiresGrad ? wb.narrow(0, 0, 1).compactAs(n) : null;
                db = bias != null && bias.requiresGrad ? wb.narrow(0, 1, 1).compactAs(n) : null;
            }
            return new Tensor[]{dx, dw, db};
        });
    }

    /** RMSNorm over the last axis; weight nullable. */
    public Tensor rmsNorm(Tensor weight, float eps) {
        int n = size(-1);
        checkVec(weight, n, "rmsNorm weight");
        Tensor out = rows(x -> be().rmsNorm(x, weight == null ? null : weight.contiguous(), eps));
        Tensor x = this;
        return record(out, "rmsNorm", new Tensor[]{this, weight}, g -> {
            Tensor xd = x.detach();
            Tensor r = xd.square().mean(-1, true).add(eps).rsqrt();
            Tensor xhat = xd.mul(r);
            Tensor gx = weight == null ? g : g.mul(weight.detach());
            Tensor dx = x.requiresGrad ? gx.sub(xhat.mul(gx.mul(xhat).mean(-1, true))).mul(r) : null;
            Tensor dw = weight != null && weight.requiresGrad ? g.mul(xhat).reshape(-1, n).sum(0, false) : null;
            return new Tensor[]{dx, dw};
        });
    }

    /** GroupNorm of x [N, C, ...]; weight/bias [C] nullable. */
    public Tensor groupNorm(int groups, Tensor weight, Tensor bias, float eps) {
        int nb = shape[0], c = shape[1], s = numel() / Math.max(1, nb * c);
        if (c % groups != 0) throw new IllegalArgumentException("groupNorm: " + c + " channels not divisible by " + groups + " groups");
        checkVec(weight, c, "groupNorm weight");
        checkVec(bias, c, "groupNorm bias");
        Tensor x3 = compactAs(nb, c, s);
        Tensor out = be().groupNorm(x3, groups, weight == null ? null : weight.contiguous(), bias == null ? null : bias.contiguous(), eps).compactAs(shape);
        Tensor x = this;
        final int[] full = shape;
        return record(out, "groupNorm", new Tensor[]{this, weight, bias}, g -> {
            // two fused backend ops (Backend#groupNormBackward, #groupNormBackwardAffine) instead of a chain of
            // elementwise ops and reductions over the whole activation
            Tensor g3 = g.compactAs(nb, c, s), xd = x3.detach();
            Tensor w = weight == null ? null : weight.detach().contiguous();
            Tensor dx = x.requiresGrad ? be().groupNormBackward(xd, g3, groups, w, eps).compactAs(full) : null;
            Tensor dw = null, db = null;
            if ((weight != null && weight.requiresGrad) || (bias != null && bias.requiresGrad)) {
                Tensor wb = be().groupNormBackwardAffine(xd, g3, groups, eps);
                dw = weight != null && weight.requiresGrad ? wb.narrow(0, 0, 1).compactAs(c) : null;
                db = bias != null && bias.requiresGrad ? wb.narrow(0, 1, 1).compactAs(c) : null;
            }
            return new Tensor[]{dx, dw, db};
        });
    }

    private static void checkVec(Tensor t, int n, String what) {
        if (t != null && (t.dim() != 1 || t.shape[0] != n))
            throw new IllegalArgumentException(what + " must have shape [" + n + "], got " + Arrays.toString(t.shape));
    }

    // ---------------------------------------------------------------- linear algebra

    /** How a 2-d trailing view maps to a backend operand: contiguous, or the transpose of a contiguous matrix. */
    private record MatOperand(Tensor t, boolean trans) {}

    private static MatOperand asOperand(Tensor x3) {
        // x3 is [B, r, c]; accept row-major or column-major trailing matrices without copying.
        int[] st = x3.strides, sh = x3.shape;
        boolean batchOk = sh[0] == 1 || st[0] == sh[1] * sh[2];
        if (batchOk && (st[2] == 1 || sh[2] == 1) && (st[1] == sh[2] || sh[1] == 1))
            return new MatOperand(x3.offset == 0 && x3.storage.length() == x3.numel() ? x3 : x3.compactAs(sh), false);
        if (batchOk && (st[1] == 1 || sh[1] == 1) && (st[2] == sh[1] || sh[2] == 1) && x3.offset == 0 && x3.storage.length() == x3.numel()) {
            Tensor t = new Tensor(x3.storage, new int[]{sh[0], sh[2], sh[1]}, contiguousStrides(new int[]{sh[0], sh[2], sh[1]}), 0);
            return new MatOperand(t, true);
        }
        return new MatOperand(x3.compactAs(sh), false);
    }

    /**
     * Matrix product with batch broadcasting over leading axes: [..., M, K] x [..., K, N]. Transposed views (e.g.
     * {@code k.transpose(-2, -1)}) are passed to the backend as flags, without copies.
     */
    public Tensor matmul(Tensor o) {
        if (dim() < 2 || o.dim() < 2) throw new IllegalArgumentException("matmul needs rank >= 2, got " + Arrays.toString(shape) + " and " + Arrays.toString(o.shape));
        int m = size(-2), k = size(-1), k2 = o.size(-2), n = o.size(-1);
        if (k != k2) throw new IllegalArgumentException("matmul: inner sizes differ: " + Arrays.toString(shape) + " x " + Arrays.toString(o.shape));
        int[] ba = Arrays.copyOf(shape, dim() - 2), bb = Arrays.copyOf(o.shape, o.dim() - 2);
        int[] bs = broadcastShape(ba, bb);
        int nb = (int) numel(bs);
        Tensor a3 = batched(this, bs, ba, m, k), b3 = batched(o, bs, bb, k, n);
        MatOperand pa = asOperand(a3), pb = asOperand(b3);
        Tensor r = be().matmul(pa.t, pa.trans, pb.t, pb.trans);
        int[] os = Arrays.copyOf(bs, bs.length + 2);
        os[bs.length] = m;
        os[bs.length + 1] = n;
        Tensor out = r.compactAs(os);
        Tensor self = this;
        return record(out, "matmul", new Tensor[]{this, o}, g -> new Tensor[]{
                self.requiresGrad ? g.matmul(o.detach().transpose(-2, -1)).sumTo(self.shape) : null,
                o.requiresGrad ? self.detach().transpose(-2, -1).matmul(g).sumTo(o.shape) : null});
    }

    /** A [B, r, c] no-grad view: batch 1 when this operand is broadcast over all batch axes, else expanded. */
    private static Tensor batched(Tensor t, int[] bs, int[] own, int r, int c) {
        try (var g = GradMode.noGrad()) {
            Tensor d = t.detach();
            if (numel(own) == 1) return d.reshapeAny(1, r, c);
            if (Arrays.equals(own, bs)) return d.reshapeAny((int) numel(bs), r, c);
            int[] full = Arrays.copyOf(bs, bs.length + 2);
            full[bs.length] = r;
            full[bs.length + 1] = c;
            return d.expand(full).contiguous().reshape((int) numel(bs), r, c);
        }
    }

    /** Merge leading axes into one while keeping the trailing two axes' strides when the batch axes are mergeable. */
    private Tensor reshapeAny(int b, int r, int c) {
        int n = shape.length;
        int sr = n >= 2 ? strides[n - 2] : c, sc = strides[n - 1];
        // batch axes must be laid out as one contiguous run of matrices for a view
        boolean mergeable = true;
        int expect = r * c;
        for (int i = n - 3; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) { mergeable = false; break; }
            expect *= shape[i];
        }
        if (mergeable && ((sc == 1 && sr == c) || (sr == 1 && sc == r) || r == 1 || c == 1))
            return new Tensor(storage, new int[]{b, r, c}, new int[]{r * c, r == 1 ? c : sr, c == 1 ? 1 : sc}, offset);
        return compactAs(b, r, c);
    }

    /**
     * x [..., in] times weight [out, in] transposed plus bias [out] (torch.nn.functional.linear); weights are used as
     * stored, so a backend can keep them packed between calls.
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        int in = size(-1);
        if (weight.dim() != 2 || weight.shape[1] != in)
            throw new IllegalArgumentException("linear: input " + Arrays.toString(shape) + " vs weight " + Arrays.toString(weight.shape));
        int outF = weight.shape[0];
        checkVec(bias, outF, "linear bias");
        int rows = numel() / in;
        Tensor x2 = compactAs(rows, in);
        Tensor w = weight.isContiguous() && weight.offset == 0 ? weight.detach() : weight.compactAs(weight.shape);
        Tensor r = be().linear(x2, w, bias == null ? null : bias.compactAs(outF));
        int[] os = shape.clone();
        os[os.length - 1] = outF;
        Tensor out = r.compactAs(os);
        Tensor self = this;
        return record(out, "linear", new Tensor[]{this, weight, bias}, g -> {
            Tensor g2 = g.reshape(rows, outF);
            Tensor dx = self.requiresGrad ? g2.matmul(weight.detach()).reshape(self.shape) : null;
            Tensor dw = weight.requiresGrad ? g2.transpose(0, 1).matmul(x2) : null;
            Tensor db = bias != null && bias.requiresGrad ? g2.sum(0, false) : null;
            return new Tensor[]{dx, dw, db};
        });
    }

    // ---------------------------------------------------------------- convolution, resampling, lookup

    /** 2-D convolution of this [N, C, H, W] with weight [O, C, kh, kw] and bias [O] (nullable). */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        if (dim() != 4 || weight.dim() != 4 || weight.shape[1] != shape[1])
            throw new IllegalArgumentException("conv2d: input " + Arrays.toString(shape) + " vs weight " + Arrays.toString(weight.shape));
        checkVec(bias, weight.shape[0], "conv2d bias");
        Tensor x = compactAs(shape), w = weight.isContiguous() && weight.offset == 0 && weight.storage.length() == weight.numel()
                ? weight.detach() : weight.compactAs(weight.shape);
        Tensor out = be().conv2d(x, w, bias == null ? null : bias.compactAs(bias.shape), stride, padding);
        int h = shape[2], wd = shape[3], kh = weight.shape[2], kw = weight.shape[3];
        return record(out, "conv2d", new Tensor[]{this, weight, bias}, g -> {
            Tensor gc = g.compactAs(g.shape);
            return new Tensor[]{
                    requiresGrad ? be().conv2dBackwardInput(gc, w, h, wd, stride, padding) : null,
                    weight.requiresGrad ? be().conv2dBackwardWeight(gc, x, kh, kw, stride, padding) : null,
                    bias != null && bias.requiresGrad ? biasGrad(gc) : null};
        });
    }

    /**
     * A conv bias's gradient from the contiguous output gradient [N, O, H, W]: per image and channel the sum over
     * the pixels (contiguous rows, no copy), then over the images ([N, O], small). Summing over {0, 2, 3} at once
     * first copied the whole gradient into [O, N*H*W] order.
     */
    private static Tensor biasGrad(Tensor gc) {
        int n = gc.shape[0], o = gc.shape[1];
        return gc.reshape(n, o, gc.shape[2] * gc.shape[3]).sum(2, false).sum(0, false);
    }

    /** Nearest-neighbour 2x upsampling of [N, C, H, W]. */
    public Tensor upsampleNearest2x() {
        if (dim() != 4) throw new IllegalArgumentException("upsampleNearest2x needs [N,C,H,W], got " + Arrays.toString(shape));
        Tensor out = be().upsampleNearest2x(compactAs(shape));
        int n = shape[0], c = shape[1], h = shape[2], w = shape[3];
        // the gradient of each input pixel is the sum of its 2x2 block: the column pairs (the last axis, contiguous:
        // no copy), then the two rows, added as two strided views (summing over {3, 5} at once first copied the
        // whole gradient into [.., 4] order)
        return record(out, "upsample2x", new Tensor[]{this}, g -> {
            Tensor r = g.reshape(n, c, h, 2, w, 2).sum(5, false);
            return new Tensor[]{r.narrow(3, 0, 1).add(r.narrow(3, 1, 1)).reshape(n, c, h, w)};
        });
    }

    /** Rows of this table [V, D] at {@code ids}: [ids.length, D]. */
    public Tensor embedding(int[] ids) {
        if (dim() != 2) throw new IllegalArgumentException("embedding table must be [V, D], got " + Arrays.toString(shape));
        for (int id : ids)
            if (id < 0 || id >= shape[0]) throw new IndexOutOfBoundsException("embedding id " + id + " outside [0, " + shape[0] + ")");
        // a private copy: callers reuse id buffers for the next batch before calling backward
        int[] own = ids.clone();
        Tensor out = be().embedding(compactAs(shape), own.clone());
        int v = shape[0];
        return record(out, "embedding", new Tensor[]{this}, g -> new Tensor[]{be().embeddingBackward(g.compactAs(g.shape), own.clone(), v)});
    }

    // ---------------------------------------------------------------- attention and rotary embedding

    /**
     * Scaled-dot-product attention, softmax(q k^T * scale + mask) v, for q [B, H, Tq, D], k [B, H, Tk, D],
     * v [B, H, Tk, Dv]; mask [Tq, Tk] additive (nullable). Forward is fused; backward recomputes the probabilities.
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) throw new IllegalArgumentException("attention needs [B,H,T,D] tensors");
        if (q.size(-1) != k.size(-1) || k.size(2) != v.size(2) || q.size(0) != k.size(0) || q.size(1) != k.size(1))
            throw new IllegalArgumentException("attention shapes q " + Arrays.toString(q.shape) + " k " + Arrays.toString(k.shape) + " v " + Arrays.toString(v.shape));
        Tensor qc = q.compactAs(q.shape), kc = k.compactAs(k.shape), vc = v.compactAs(v.shape);
        Tensor mc = mask == null ? null : mask.compactAs(mask.shape);
        Tensor out = be().attention(qc, kc, vc, mc, scale);
        return record(out, "attention", new Tensor[]{q, k, v}, g -> {
            Tensor s = qc.matmul(kc.transpose(-2, -1)).mul(scale);
            if (mc != null) s = s.add(mc);
            Tensor p = s.softmax(-1);
            Tensor dv = p.transpose(-2, -1).matmul(g);
            Tensor dp = g.matmul(vc.transpose(-2, -1));
            Tensor ds = p.mul(dp.sub(dp.mul(p).sum(-1, true))).mul(scale);
            return new Tensor[]{ds.matmul(kc), ds.transpose(-2, -1).matmul(qc), dv};
        });
    }

    /** Rotary embedding (rotate-half) of this [B, H, T, D] with sin, cos [T, D]. */
    public Tensor rope(Tensor sin, Tensor cos) {
        int t = size(-2), d = size(-1);
        if (dim() != 4 || sin.dim() != 2 || sin.shape[0] != t || sin.shape[1] != d || !Arrays.equals(sin.shape, cos.shape))
            throw new IllegalArgumentException("rope: x " + Arrays.toString(shape) + " sin " + Arrays.toString(sin.shape) + " cos " + Arrays.toString(cos.shape));
        if (d % 2 != 0) throw new IllegalArgumentException("rope needs an even head dim, got " + d);
        Tensor sc = sin.compactAs(sin.shape), cc = cos.compactAs(cos.shape);
        Tensor out = be().rope(compactAs(shape), sc, cc);
        return record(out, "rope", new Tensor[]{this}, g -> {
            // out = x*cos + R(x)*sin with R(x) = [-x2, x1]; the adjoint is g*cos + R^T(g*sin), R^T(y) = [y2, -y1].
            // (Not rope(g, -sin, cos): that equals the adjoint only when both halves of sin are the same.)
            try (var s = GradMode.noGrad()) {
                Tensor[] h = g.mul(sc).split(-1, d / 2, d / 2);
                return new Tensor[]{g.mul(cc).add(cat(-1, h[1], h[0].neg()))};
            }
        });
    }
}
