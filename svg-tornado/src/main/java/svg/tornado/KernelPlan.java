package svg.tornado;

import svg.tensor.Storage;
import svg.tensor.parallel.Parallel;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid3D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.common.TornadoFunctions.Task8;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One compiled kernel with its device buffers: a TaskGraph of a single task, frozen into an execution plan that is
 * built (and compiled, at its first execution) once and then replayed.
 *
 * <p>Buffers have a capacity, so later calls with other shapes that fit reuse the same plan and compiled code; sizes
 * travel in the small {@code ip}/{@code fp} parameter arrays and the launch grid is reset before every run. Inputs
 * marked resident (weights) are copied to the device on the first execution only and stay there; all other inputs
 * are copied every execution, and the output's first n values (what the op wrote, not the buffer's capacity) are
 * copied back after every execution.
 */
final class KernelPlan implements AutoCloseable {
    static final int IP = 64, FP = 4;
    private static final AtomicLong SEQ = new AtomicLong();

    final String kernel;
    final int[] caps;
    final int outCap;
    private final IntArray ip = new IntArray(IP);
    private final FloatArray fp = new FloatArray(FP);
    /** FloatArray, or ShortArray for a bfloat16 weight slot. */
    private final Object[] in = new Object[4];
    private final boolean[] shorts;
    private final FloatArray out;
    private final WorkerGrid grid;
    private final TornadoExecutionPlan plan;
    private final boolean[] everyRun = new boolean[4];
    private boolean ran;
    private final Counters counter;
    /** The storage version each resident slot's device copy was taken (or last found equal) at. */
    private final long[] versions = new long[4];
    /** Device bytes of the inputs uploaded once (the weights), and of all this plan's buffers (each its capacity). */
    final long residentBytes, bytes;

    /**
     * @param caps     capacity of each of the 4 inputs in floats (0: unused)
     * @param resident which inputs are uploaded once (their contents must be set through {@link #set} before the
     *                 first {@link #run})
     * @param dims     1 for a 1-D launch, 3 for the GEMM's 3-D launch
     * @param shorts   which inputs are bfloat16 bits (a ShortArray on the device) rather than floats
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    KernelPlan(String kernel, Task8<?, ?, ?, ?, ?, ?, ?, ?> code, int[] caps, boolean[] resident, boolean[] shorts,
               int outCap, int dims, TornadoDevice device, Counters counter) {
        this.kernel = kernel;
        this.counter = counter;
        this.caps = caps.clone();
        this.outCap = outCap;
        this.shorts = shorts.clone();
        for (int i = 0; i < 4; i++) in[i] = buffer(shorts[i], caps[i]);
        out = new FloatArray(Math.max(1, outCap));
        long res = 0, all = 4L * (IP + FP + Math.max(1, outCap));
        for (int i = 0; i < 4; i++) {
            long b = (shorts[i] ? 2L : 4L) * Math.max(1, caps[i]);
            all += b;
            if (resident[i] && caps[i] > 0) res += b;
        }
        residentBytes = res;
        bytes = all;
        String name = kernel + SEQ.incrementAndGet();
        TaskGraph g = new TaskGraph(name);
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, ip, fp);
        for (int i = 0; i < 4; i++) {
            boolean once = caps[i] == 0 || resident[i];
            everyRun[i] = !once;
            g.transferToDevice(once ? DataTransferMode.FIRST_EXECUTION : DataTransferMode.EVERY_EXECUTION, in[i]);
        }
        KernelContext ctx = new KernelContext();
        // raw: the kernels' signatures differ in the type of a slot (FloatArray or ShortArray), checked by TornadoVM
        g.task("t", (Task8) code, ctx, ip, fp, in[0], in[1], in[2], in[3], out);
        // copied back by run, only the values the launch wrote (TornadoVM would copy the whole buffer, its capacity)
        g.transferToHost(DataTransferMode.UNDER_DEMAND, out);
        ImmutableTaskGraph itg = g.snapshot();
        grid = dims == 1 ? new WorkerGrid1D(Kernels.ES) : new WorkerGrid3D(Kernels.TS, Kernels.TS, 1);
        GridScheduler sched = new GridScheduler(name + ".t", grid);
        TornadoExecutionPlan p = new TornadoExecutionPlan(itg).withGridScheduler(sched);
        if (device != null) p = p.withDevice(device);
        plan = p;
    }

    /** True when every input length and the output length fit this plan's buffers. */
    boolean fits(int[] lengths, int outLen) {
        for (int i = 0; i < 4; i++) if (lengths[i] > caps[i]) return false;
        return outLen <= outCap;
    }

    /** A device buffer of {@code n} floats, or of {@code n} bfloat16 values (shorts). */
    static Object buffer(boolean shorts, int n) {
        return shorts ? new ShortArray(Math.max(1, n)) : new FloatArray(Math.max(1, n));
    }

    static MemorySegment segment(Object buffer) {
        return buffer instanceof ShortArray s ? s.getSegment() : ((FloatArray) buffer).getSegment();
    }

    /** Copies {@code len} values of {@code src} (a float[] or, for a bfloat16 slot, a short[]) into a buffer. */
    static void copyInto(Object buffer, Object src, int off, int len) { copyInto(buffer, 0, src, off, len); }

    /** {@link #copyInto(Object, Object, int, int)} to element {@code at} of the buffer (a stacked weight's copy). */
    static void copyInto(Object buffer, long at, Object src, int off, int len) {
        if (src instanceof short[] b) MemorySegment.copy(b, off, segment(buffer), ValueLayout.JAVA_SHORT, 2 * at, len);
        else MemorySegment.copy((float[]) src, off, segment(buffer), ValueLayout.JAVA_FLOAT, 4 * at, len);
    }

    /**
     * True when the buffer starts with exactly these values (a resident weight not changed since upload). Run only
     * for a weight whose storage version moved ({@link #current}): comparing every weight before every use cost a
     * DiT-XL forward 2.7 GB of reads, 128 ms on one thread and 73 ms on two on this project's 2-core machine
     * ({@code KernelPlanHoldsTest#ditXlForwardOfChecks}). Long ranges are compared on all CPU threads
     * ({@link #HOLDS_CHUNK} values a chunk).
     */
    static boolean holds(Object buffer, Object src, int off, int len) { return holds(buffer, 0, src, off, len); }

    /** {@link #holds(Object, Object, int, int)} from element {@code at} of the buffer (a stacked weight's copy). */
    static boolean holds(Object buffer, long at, Object src, int off, int len) {
        long size = src instanceof short[] ? 2 : 4;
        MemorySegment host = src instanceof short[] b ? MemorySegment.ofArray(b) : MemorySegment.ofArray((float[]) src);
        MemorySegment dev = segment(buffer).asSlice(size * at);
        if (len <= HOLDS_CHUNK) return MemorySegment.mismatch(host, size * off, size * (off + (long) len), dev, 0, size * len) == -1;
        java.util.concurrent.atomic.AtomicBoolean same = new java.util.concurrent.atomic.AtomicBoolean(true);
        Parallel.forChunks(len, HOLDS_CHUNK, (s, e) -> {
            if (same.get() && MemorySegment.mismatch(host, size * (off + (long) s), size * (off + (long) e), dev,
                    size * s, size * e) != -1) same.set(false);
        });
        return same.get();
    }

    /** Values per chunk of a parallel {@link #holds} (1 MiB of floats). */
    static final int HOLDS_CHUNK = 1 << 18;

    /** Copies {@code len} values of {@code src} (float[] or short[]) from {@code off} into input {@code slot}. */
    void set(int slot, Object src, int off, int len) { copyInto(in[slot], src, off, len); }

    /**
     * Uploads (at the next run) a resident slot's values and records the version of their storage. The storage is
     * watched first and its version read before the copy, so a write that the copy misses moves the version.
     */
    void setResident(int slot, Storage s, Object src, int off, int len) {
        versions[slot] = version(s);
        set(slot, src, off, len);
    }

    /**
     * True when resident input {@code slot} still holds the values of {@code s} (from {@code src}, its values as
     * the slot takes them): at once when the storage version has not moved since the copy was taken or checked,
     * else by comparing the values ({@link Counters#weightBytesCompared}), and if they are equal the new version is
     * recorded, so a read through {@link svg.tensor.Tensor#data()} costs one comparison, not a re-upload.
     */
    boolean current(int slot, Storage s, Object src, int off, int len) {
        long v = version(s);
        if (v == versions[slot]) return true;
        counter.weightBytesCompared += (src instanceof short[] ? 2L : 4L) * len;
        if (!holds(in[slot], src, off, len)) return false;
        versions[slot] = v;
        return true;
    }

    /** The version of a resident input's storage, watched from now on (see {@link Storage#version()}). */
    static long version(Storage s) {
        s.watch();
        return s.version();
    }

    /** Launches with global size {@code gx, gy, gz} (multiples of the local size) and copies n outputs into dst. */
    void run(int[] ints, float[] floats, long gx, long gy, long gz, float[] dst, int n) {
        for (int i = 0; i < ints.length; i++) ip.set(i, ints[i]);
        for (int i = 0; i < floats.length; i++) fp.set(i, floats[i]);
        if (grid.dimension() == 1) {
            grid.setGlobalWork(gx, 1, 1);
            grid.setLocalWork(Kernels.ES, 1, 1);
        } else {
            grid.setGlobalWork(gx, gy, gz);
            grid.setLocalWork(Kernels.TS, Kernels.TS, 1);
        }
        TornadoExecutionResult r = plan.execute();
        if (n > 0) r.transferToHost(new DataRange(out).withSize(n));
        count(n);
        MemorySegment.copy(out.getSegment(), ValueLayout.JAVA_FLOAT, 0, dst, 0, n);
    }

    /**
     * Adds one execution's copies as this plan asks for them: inputs as whole buffers (their capacity), the output's
     * first {@code n} values.
     */
    private void count(int n) {
        Counters c = counter;
        if (!ran) c.compiled++;
        c.launches++;
        c.toDevice += 2;
        c.toDeviceBytes += 4L * (IP + FP);
        for (int i = 0; i < 4; i++) {
            if (everyRun[i] || !ran) {
                c.toDevice++;
                c.toDeviceBytes += (shorts[i] ? 2L : 4L) * Math.max(1, caps[i]);
            }
        }
        if (n > 0) {
            c.toHost++;
            c.toHostBytes += 4L * n;
        }
        ran = true;
    }

    /** Work-group size used by 1-D launches: row kernels need exactly RS items per group. */
    static long roundUp(long n, long m) { return (n + m - 1) / m * m; }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // freeing device memory of a replaced plan is best-effort; the buffers are garbage collected anyway
        }
    }
}
