package svg.tensor;


/**
 * The values behind a tensor, shared by the tensor and all its views. Three forms:
 * <ul>
 *   <li><b>float32 on the host</b> (almost every tensor): a {@code float[]}.</li>
 *   <li><b>bfloat16</b> (frozen weights, to halve their memory): the bits as a {@code short[]}. Reading them as
 *       float32 ({@link #host()}) widens into a fresh array every time, exactly (bfloat16 is the top half of a float32),
 *       so no float32 copy outlives the op that asked for it; backends with a native bfloat16 path read
 *       {@link #bf16()} instead. Such a storage cannot be written through {@link #host()}.</li>
 *   <li><b>deferred</b>: a backend (a device) holds the values and has not copied them to the host yet. The first
 *       host read fills a host array from {@link Deferred#copyTo} and from then on the host array is the truth
 *       ({@link #deferred()} returns null), so host code always sees current values and a device backend can
 *       consume the tensor from the device without a round trip while nobody has looked at it.</li>
 * </ul>
 */
public final class Storage {

    /** Values a backend holds elsewhere (on a device) and copies to the host on demand. */
    public interface Deferred {
        /** Copies all {@code dst.length} values to the host array. Called at most once per storage. */
        void copyTo(float[] dst);

        /**
         * A compact (contiguous, offset 0) copy of {@code view}, a view of this storage, made where the values are
         * (e.g. by a device kernel, so they need not visit the host), or null to let the host copy it after reading
         * the values. Called by {@link Tensor#contiguous()} and the ops that need compact operands.
         */
        default Tensor copy(Tensor view) { return null; }

        /**
         * The concatenation of {@code parts} along {@code axis} (shapes already checked; at least one part is a view
         * of this storage), made where the values are, or null to let the host do it. Called by {@link Tensor#cat}.
         */
        default Tensor cat(int axis, java.util.List<Tensor> parts) { return null; }
    }

    private final int length;
    private volatile float[] host;
    private final short[] bf16;
    private Deferred deferred;
    /** See {@link #version()}; counted only once a backend {@link #watch watches} this storage. */
    private volatile long version;
    private volatile boolean watched;

    private Storage(int length, float[] host, short[] bf16, Deferred deferred) {
        this.length = length;
        this.host = host;
        this.bf16 = bf16;
        this.deferred = deferred;
    }

    static Storage of(float[] host) { return new Storage(host.length, host, null, null); }

    static Storage ofBf16(short[] bits) { return new Storage(bits.length, null, bits, null); }

    static Storage deferred(int length, Deferred source) {
        if (source == null) throw new IllegalArgumentException("deferred storage needs a source");
        return new Storage(length, null, null, source);
    }

    /** Number of elements held (a view may use fewer). */
    public int length() { return length; }

    /** True when the values are held as bfloat16 bits. */
    public boolean isBf16() { return bf16 != null; }

    /** The bfloat16 bits, or null when this storage is float32. Not a copy: do not write. */
    public short[] bf16() { return bf16; }

    /**
     * The backend-held source while the host copy has not been made, else null. A device backend checks this to
     * consume its own output in place; anything else should call {@link #host()}.
     */
    public synchronized Deferred deferred() { return deferred; }

    /**
     * The values as a float32 host array: the array itself for float32 (writes are seen by every view), a fresh
     * widened copy for bfloat16, the filled host array for a deferred storage (filled on the first call).
     * Handing out the writable array counts as a write ({@link #version()}); code that only reads may use
     * {@link #read()}.
     */
    public float[] host() {
        if (watched && bf16 == null) version++;
        return read();
    }

    /**
     * The same array as {@link #host()}, for reading only: it does not count as a write, so a backend's copy of the
     * values (a weight resident on a device) stays current. Writing through it leaves such copies stale.
     */
    public float[] read() {
        float[] h = host;
        if (h != null) return h;
        if (bf16 != null) return widen(bf16);
        return materialize();
    }

    /**
     * A count that changes whenever the values may have been written, so that a backend holding a copy (a weight
     * resident on a device) checks one number instead of comparing the values. Every in-place write goes through
     * {@link #host()} (which {@link Tensor#data()} calls: optimisers, initialisers and loaders take the array there)
     * or {@link Tensor#copyFrom}, and each such call advances it. Code that keeps the array from an earlier call and
     * writes through it later must call {@link #markWritten()}. Counted only while {@link #watch watched}, so that
     * storages no backend copies cost nothing.
     */
    public long version() { return version; }

    /**
     * Starts counting {@link #version()}. A backend calls it before it reads the version and copies the values, so
     * that every later write is seen.
     */
    public void watch() { watched = true; }

    /** Records a write made through an array obtained earlier (see {@link #version()}). */
    public void markWritten() {
        if (watched) version++;
    }

    private synchronized float[] materialize() {
        if (host == null) {
            float[] h = new float[length];
            deferred.copyTo(h);
            deferred = null;
            host = h;
        }
        return host;
    }

    /** bfloat16 bits to float32, exact. */
    static float[] widen(short[] bits) {
        float[] f = new float[bits.length];
        for (int i = 0; i < bits.length; i++) f[i] = Float.intBitsToFloat(bits[i] << 16);
        return f;
    }

    /** float32 to bfloat16 bits, round to nearest even (as torch's {@code .bfloat16()}). */
    static short[] narrow(float[] values, int from, int count) {
        short[] b = new short[count];
        narrowInto(values, from, b);
        return b;
    }

    /** {@code dst.length} values from {@code values[from..]} rounded into existing bfloat16 bits. */
    static void narrowInto(float[] values, int from, short[] dst) {
        for (int i = 0; i < dst.length; i++) dst[i] = Bf16.fromFloat(values[from + i]);
    }
}
