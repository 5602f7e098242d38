package svg.tornado;

import svg.tensor.Storage;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.GridScheduler;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One block (a fixed sequence of launches) as one TornadoVM task graph: a task per launch, each task's inputs wired
 * to the device buffer of the launch that produced them, so intermediates never leave the device. The parameters of
 * every launch are part of the sequence (they are fixed by the shapes), so they are uploaded once with the weights;
 * what travels on each run is the block's host inputs. Outputs are {@code UNDER_DEMAND}: one is copied to the host
 * only when host code reads the tensor that holds it ({@link #fetch}).
 *
 * <p>A run overwrites the previous run's outputs on the device, so before running, the outputs of the previous run
 * that are still referenced and unread are copied to the host (their tensors stay correct; usually there are none:
 * a block's intermediates are garbage once it returned, and its result was read by the next block).
 */
final class BlockPlan implements AutoCloseable {
    private static final AtomicLong SEQ = new AtomicLong();

    /** Where a launch input comes from: the host (copied every run), a resident weight, or an earlier launch. */
    record Src(int kind, int producer, Storage storage, int offset, int length, boolean fromDevice) {
        static final int HOST = 0, DEVICE = 1, WEIGHT = 2;

        /** {@code alias}: 4 * launch + slot of an earlier input with the same host values (sent once), or -1. */
        static Src host(int length, boolean fromDevice, int alias) { return new Src(HOST, alias, null, 0, length, fromDevice); }

        static Src device(int producer, int offset, int length) { return new Src(DEVICE, producer, null, offset, length, false); }

        static Src weight(Storage s, int offset, int length) { return new Src(WEIGHT, -1, s, offset, length, false); }

        boolean sameAs(Src o) {
            if (o == null || kind != o.kind || length != o.length) return false;
            return switch (kind) {
                case DEVICE -> producer == o.producer && offset == o.offset;
                case WEIGHT -> storage == o.storage && offset == o.offset;
                default -> producer == o.producer;
            };
        }

        int hash() { return kind * 31 + length + 7 * producer + System.identityHashCode(storage); }
    }

    /** One launch of a block as far as its plan is concerned (its values are not: those are the run's inputs). */
    static final class Sig {
        final String kernel;
        final int[] ints;
        final float[] floats;
        final long[] grid;
        final int outLen;
        final Src[] src;
        private final int hash;

        private Sig(String kernel, int[] ints, float[] floats, long[] grid, int outLen, Src[] src) {
            this.kernel = kernel;
            this.ints = ints;
            this.floats = floats;
            this.grid = grid;
            this.outLen = outLen;
            this.src = src;
            int h = kernel.hashCode() * 31 + Arrays.hashCode(ints);
            h = h * 31 + Arrays.hashCode(floats);
            h = h * 31 + Arrays.hashCode(grid);
            h = h * 31 + outLen;
            for (Src s : src) h = h * 31 + (s == null ? 0 : s.hash());
            hash = h;
        }

        static Sig of(Launch op, Src[] src) {
            return new Sig(op.kernel(), op.ints(), op.floats(), new long[]{op.dims(), op.gx(), op.gy(), op.gz()}, op.outLen(), src);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Sig s) || s.hash != hash || !kernel.equals(s.kernel) || outLen != s.outLen) return false;
            if (!Arrays.equals(ints, s.ints) || !Arrays.equals(floats, s.floats) || !Arrays.equals(grid, s.grid)) return false;
            for (int i = 0; i < 4; i++) {
                if (src[i] == null ? s.src[i] != null : !src[i].sameAs(s.src[i])) return false;
            }
            return true;
        }

        @Override
        public int hashCode() { return hash; }
    }

    /** A plan is found by its launch sequence and by which launches' outputs leave the block (never reused). */
    record Key(List<Sig> sigs, BitSet results) {}

    private final String blockName;
    private final int n;
    private final Src[][] srcs;
    /** The device buffer each launch writes (several launches share one when their values' lifetimes do not overlap). */
    private final FloatArray[] outs;
    /** Launch j's values are still in its buffer after a run (no later launch of the block writes that buffer). */
    private final boolean[] readable;
    private final DeviceMemory memory;
    private final FloatArray[][] hostIn;
    /** Resident inputs: FloatArray, or ShortArray for bfloat16 weights; stacked: one copy per block instance. */
    private final Object[][] weightIn;
    /** Values per instance of a stacked weight slot (instance c starts at c * stride), 0 for a single copy. */
    private final int[][] stride;
    /** The storage version each instance's resident weight was copied (or last found equal) at. */
    private final long[][][] weightVersion;
    /** How many block instances (sets of weights) this plan holds. */
    final int capacity;
    /** The launches' int parameters; those of launches with a stacked weight travel on every run (their offsets). */
    private final IntArray[] ip;
    private final boolean[] perRun;
    /** The host weights this plan holds a device copy of (their op-by-op plans are released once it ran). */
    final java.util.Set<Launch.Weight> weights = new java.util.HashSet<>();
    /** The backend's count of op-by-op weight plans built when this plan last released those it covers. */
    long sweptAt = -1;
    private final TornadoExecutionPlan plan;
    private final Counters counter;
    /**
     * Chaining (a shared plan with one result, and a host input of the result's length: e.g. a DiT block,
     * {@code x -> x'}): the run that takes the previous run's result as that input reads it on the device. The
     * input slot ({@link #chainJ}, {@link #chainI}; -1 when the plan does not chain) reads {@link #chainX}, which
     * graph 0 of the plan fills from the host ({@link #chainStage}, only when the input is not the previous result)
     * and graph 1, the block, refills with its result at the end of every run (task {@code x}). Every run also
     * copies its result into {@link #kept} at its instance's slot (task {@code h}), so a result stays readable on
     * the device until its block instance runs again, without a copy to the host.
     */
    private final int chainJ, chainI, chainR, chainLen;
    private final FloatArray chainX, chainStage, kept;
    private final IntArray keptAt;
    /** Per instance: the run whose result {@link #kept} holds in its slot (0: none yet), and that result's output. */
    private final long[] keptEpoch;
    private final DeferredOutput[] keptOwner;
    private boolean stagedOnce;
    private final long firstBytes;
    private final int firstCopies;
    private TornadoExecutionResult last;
    private long epoch;
    private boolean ran;
    /** The last run's outputs: results still unread are copied to the host before a rerun, intermediates expire. */
    private final List<DeferredOutput> live = new ArrayList<>();

    /** A plan for one block instance: the weights are those of {@code ops}. */
    BlockPlan(String blockName, List<Launch> ops, List<Src[]> srcs, BitSet results, boolean reuse,
              TornadoDevice device, Counters counter) {
        this(blockName, ops, srcs, results, reuse, device, counter, java.util.Collections.singletonList(weightsOf(ops, srcs)), false);
    }

    /** The inputs of {@code ops} that are resident weights (null in the other slots). */
    static Launch.In[][] weightsOf(List<Launch> ops, List<Src[]> srcs) {
        Launch.In[][] w = new Launch.In[ops.size()][4];
        for (int j = 0; j < w.length; j++)
            for (int i = 0; i < 4; i++)
                if (srcs.get(j)[i] != null && srcs.get(j)[i].kind() == Src.WEIGHT) w[j][i] = ops.get(j).ins()[i];
        return w;
    }

    /**
     * A plan shared by block instances with the same launches but their own weights ({@code instances}, each as
     * {@link #weightsOf} gives them): a weight slot whose weight differs between instances gets one buffer with
     * every instance's copy stacked, and the kernel reads it at {@code ip[WOFF + slot]}, set per run
     * ({@link #run(BlockQueue, int)}); a slot with the same weight in all instances keeps one copy. One task graph,
     * so TornadoVM compiles the block's kernels once for all instances.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    BlockPlan(String blockName, List<Launch> ops, List<Src[]> srcs, BitSet results, boolean reuse,
              TornadoDevice device, Counters counter, List<Launch.In[][]> instances, boolean chain) {
        this.blockName = blockName;
        this.capacity = instances.size();
        this.counter = counter;
        n = ops.size();
        this.srcs = srcs.toArray(new Src[0][]);
        outs = assignBuffers(ops, this.srcs, results, reuse);
        int cj = -1, ci = -1, cr = results.cardinality() == 1 ? results.nextSetBit(0) : -1;
        int clen = cr >= 0 ? ops.get(cr).outLen() : 0;
        if (chain && cr >= 0 && clen > 0 && (long) instances.size() * clen <= Integer.MAX_VALUE) {
            find:
            for (int j = 0; j < n; j++)
                for (int i = 0; i < 4; i++) {
                    Src s = this.srcs[j][i];
                    if (s != null && s.kind() == Src.HOST && s.producer() < 0 && s.length() == clen) {
                        cj = j;
                        ci = i;
                        break find;
                    }
                }
        }
        chainJ = cj;
        chainI = ci;
        chainR = cj >= 0 ? cr : -1;
        chainLen = cj >= 0 ? clen : 0;
        chainX = cj >= 0 ? new FloatArray(clen) : null;
        chainStage = cj >= 0 ? new FloatArray(clen) : null;
        kept = cj >= 0 ? new FloatArray(instances.size() * clen) : null;
        keptAt = cj >= 0 ? new IntArray(KernelPlan.IP) : null;
        keptEpoch = new long[instances.size()];
        keptOwner = new DeferredOutput[instances.size()];
        readable = new boolean[n];
        java.util.IdentityHashMap<FloatArray, Integer> lastWriter = new java.util.IdentityHashMap<>();
        for (int j = 0; j < n; j++) lastWriter.put(outs[j], j);
        long outBytes = 0, unshared = 0;
        for (int j = 0; j < n; j++) {
            readable[j] = lastWriter.get(outs[j]) == j;
            unshared += 4L * Math.max(1, ops.get(j).outLen());
        }
        for (FloatArray b : lastWriter.keySet()) outBytes += b.getNumBytesOfSegment();
        hostIn = new FloatArray[n][4];
        weightIn = new Object[n][4];
        stride = new int[n][4];
        weightVersion = new long[capacity][n][4];
        perRun = new boolean[n];
        String name = "block" + SEQ.incrementAndGet();
        TaskGraph g = new TaskGraph(name);
        FloatArray[] unused = new FloatArray[4];
        for (int i = 0; i < 4; i++) unused[i] = new FloatArray(1);
        List<Object> once = new ArrayList<>(List.of((Object[]) unused));
        List<Object> every = new ArrayList<>();
        long bytes = 16;
        long weightBytes = 0, inBytes = 0;
        ip = new IntArray[n];
        FloatArray[] fp = new FloatArray[n];
        for (int j = 0; j < n; j++) {
            Launch op = ops.get(j);
            ip[j] = new IntArray(KernelPlan.IP);
            fp[j] = new FloatArray(KernelPlan.FP);
            for (int i = 0; i < op.ints().length; i++) ip[j].set(i, op.ints()[i]);
            for (int i = 0; i < op.floats().length; i++) fp[j].set(i, op.floats()[i]);
            once.add(fp[j]);
            bytes += 4L * KernelPlan.FP;
            for (int i = 0; i < 4; i++) {
                Src s = this.srcs[j][i];
                if (s == null) continue;
                if (s.kind() == Src.HOST && s.producer() >= 0) {
                    hostIn[j][i] = null; // the same values as an earlier input: its buffer is used (below)
                } else if (j == chainJ && i == chainI) {
                    hostIn[j][i] = chainX; // on the device: filled by graph 0 or by the previous run (chaining)
                    inBytes += chainX.getNumBytesOfSegment() + chainStage.getNumBytesOfSegment() + kept.getNumBytesOfSegment();
                } else if (s.kind() == Src.HOST) {
                    hostIn[j][i] = new FloatArray(Math.max(1, s.length()));
                    every.add(hostIn[j][i]);
                    inBytes += hostIn[j][i].getNumBytesOfSegment();
                } else if (s.kind() == Src.WEIGHT) {
                    int len = s.length();
                    Launch.In first = instances.get(0)[j][i];
                    boolean stacked = false;
                    for (Launch.In[][] inst : instances) {
                        Launch.In in = inst[j][i];
                        if (in.storage() != first.storage() || in.offset() != first.offset() || in.length() != len)
                            stacked = true;
                    }
                    if (stacked && !BlockQueue.offsetSlot(op.kernel(), i))
                        throw new IllegalStateException(op.kernel() + " cannot read slot " + i + " at an offset");
                    int copies = stacked ? capacity : 1;
                    if ((long) copies * len > Integer.MAX_VALUE) // the kernels index with int
                        throw new IllegalStateException("the stacked weights of " + capacity + " '" + blockName
                                + "' blocks exceed 2^31 values; run with -Dsvg.tornado.sharedBlocks=false");
                    stride[j][i] = stacked ? len : 0;
                    perRun[j] |= stacked;
                    weightIn[j][i] = KernelPlan.buffer(op.shorts(i), copies * len);
                    for (int c = 0; c < capacity; c++) {
                        Launch.In in = instances.get(c)[j][i];
                        weightVersion[c][j][i] = KernelPlan.version(in.storage());
                        if (c < copies)
                            KernelPlan.copyInto(weightIn[j][i], (long) c * len, in.values(op.shorts(i)), in.offset(), len);
                        weights.add(new Launch.Weight(in.storage(), in.offset(), len));
                    }
                    once.add(weightIn[j][i]);
                    bytes += (op.shorts(i) ? 2L : 4L) * copies * len;
                    weightBytes += (op.shorts(i) ? 2L : 4L) * Math.max(1, copies * len);
                }
            }
            if (perRun[j]) every.add(ip[j]);
            else {
                once.add(ip[j]);
                bytes += 4L * KernelPlan.IP;
            }
        }
        firstCopies = once.size();
        firstBytes = bytes;
        memory = new DeviceMemory(1, weightBytes, outBytes, unshared, 4L * peakLive(ops, this.srcs, results), inBytes,
                16 + 4L * n * (KernelPlan.IP + KernelPlan.FP));
        TaskGraph in = null;
        IntArray toX = null;
        FloatArray fpCopy = null;
        if (chainJ >= 0) {
            // graph 0: the chained input from the host (staged), copied into the buffer the block reads
            in = new TaskGraph(name + "in");
            IntArray ipIn = copyParams(chainLen, 0, 0);
            FloatArray fpIn = new FloatArray(KernelPlan.FP);
            FloatArray[] u = {new FloatArray(1), new FloatArray(1), new FloatArray(1)};
            in.transferToDevice(DataTransferMode.FIRST_EXECUTION, ipIn, fpIn, u[0], u[1], u[2]);
            in.transferToDevice(DataTransferMode.EVERY_EXECUTION, chainStage);
            in.task("c", (Launch.Code) ElementwiseKernels::copy, new KernelContext(), ipIn, fpIn, chainStage, u[0], u[1], u[2], chainX);
            in.persistOnDevice(chainX);
            bytes += 4L * (KernelPlan.IP + KernelPlan.FP + 3);
            // the block reads chainX where graph 0 (or its own previous run) left it
            g.consumeFromDevice(in.getTaskGraphName(), chainX);
            toX = copyParams(chainLen, 0, 0);
            fpCopy = new FloatArray(KernelPlan.FP);
            once.add(toX);
            once.add(fpCopy);
            bytes += 4L * (KernelPlan.IP + KernelPlan.FP);
            every.add(keptAt);
            for (int k = 0; k < KernelPlan.IP; k++) keptAt.set(k, 0);
            keptAt.set(1, chainLen);
        }
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
        if (!every.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, every.toArray());
        GridScheduler sched = null;
        for (int j = 0; j < n; j++) {
            Launch op = ops.get(j);
            Object[] a = new Object[4];
            for (int i = 0; i < 4; i++) {
                Src s = this.srcs[j][i];
                a[i] = s == null ? unused[i] : switch (s.kind()) {
                    case Src.HOST -> s.producer() >= 0 ? hostIn[s.producer() / 4][s.producer() % 4] : hostIn[j][i];
                    case Src.WEIGHT -> weightIn[j][i];
                    default -> outs[s.producer()];
                };
            }
            // raw: the kernels' slot types differ (FloatArray, or ShortArray for bfloat16 weights)
            g.task("t" + j, (Task8) op.code(), new KernelContext(), ip[j], fp[j], a[0], a[1], a[2], a[3], outs[j]);
            WorkerGrid grid;
            if (op.dims() == 1) {
                grid = new WorkerGrid1D(Kernels.ES);
                grid.setGlobalWork(op.gx(), 1, 1);
                grid.setLocalWork(Kernels.ES, 1, 1);
            } else {
                grid = new WorkerGrid3D(Kernels.TS, Kernels.TS, 1);
                grid.setGlobalWork(op.gx(), op.gy(), op.gz());
                grid.setLocalWork(Kernels.TS, Kernels.TS, 1);
            }
            if (sched == null) sched = new GridScheduler(name + ".t" + j, grid);
            else sched.addWorkerGrid(name + ".t" + j, grid);
        }
        List<Object> onDemand = new ArrayList<>(lastWriter.keySet());
        if (chainJ >= 0) {
            // the result into the next run's input (chaining) and into its instance's slot of the kept results
            g.task("x", (Launch.Code) ElementwiseKernels::copy, new KernelContext(), toX, fpCopy, outs[chainR], unused[1], unused[2], unused[3], chainX);
            g.task("h", (Launch.Code) ElementwiseKernels::copy, new KernelContext(), keptAt, fpCopy, outs[chainR], unused[1], unused[2], unused[3], kept);
            sched.addWorkerGrid(name + ".x", copyGrid(chainLen));
            sched.addWorkerGrid(name + ".h", copyGrid(chainLen));
            sched.addWorkerGrid(in.getTaskGraphName() + ".c", copyGrid(chainLen));
            onDemand.add(kept);
        }
        // each distinct buffer once (TornadoVM copies one only when fetch asks for it)
        g.transferToHost(DataTransferMode.UNDER_DEMAND, onDemand.toArray());
        TornadoExecutionPlan p = (in == null ? new TornadoExecutionPlan(g.snapshot())
                : new TornadoExecutionPlan(in.snapshot(), g.snapshot())).withGridScheduler(sched);
        if (device != null) p = p.withDevice(device);
        plan = p;
    }

    private static IntArray copyParams(int n, int outOffset, int inOffset) {
        IntArray ip = new IntArray(KernelPlan.IP);
        for (int k = 0; k < KernelPlan.IP; k++) ip.set(k, 0);
        ip.set(1, n);
        ip.set(2, outOffset);
        ip.set(3, inOffset);
        return ip;
    }

    private static WorkerGrid copyGrid(int n) {
        WorkerGrid grid = new WorkerGrid1D(Kernels.ES);
        grid.setGlobalWork((long) (n + Kernels.ES - 1) / Kernels.ES * Kernels.ES, 1, 1);
        grid.setLocalWork(Kernels.ES, 1, 1);
        return grid;
    }

    /** True when the plan takes the previous run's result as an input on the device (see {@link #chainJ}). */
    boolean chains() { return chainJ >= 0; }

    /**
     * The output buffer of every launch. Without {@code reuse}, a buffer of its own. Otherwise liveness decides: a
     * launch's values are live from the launch to their last reader in the block (a result of the block, which host
     * code reads after the run, to the end: no later launch writes its buffer), and a launch writes a buffer whose
     * values are dead, i.e. whose last reader ran before it (TornadoVM runs a graph's tasks in order; a launch never
     * writes a buffer that it reads, since its inputs are freed only after its output is assigned). Among the free buffers the smallest that fits is taken,
     * else the largest free one, grown; a new buffer only when none is free. Bigger buffers are fine: every kernel
     * takes its sizes from its parameters.
     */
    static FloatArray[] assignBuffers(List<Launch> ops, Src[][] srcs, BitSet results, boolean reuse) {
        int n = ops.size();
        int[] lastRead = new int[n];
        Arrays.fill(lastRead, -1);
        for (int j = 0; j < n; j++)
            for (Src s : srcs[j]) if (s != null && s.kind() == Src.DEVICE) lastRead[s.producer()] = j;
        int[] buf = new int[n];
        List<Integer> caps = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            int len = Math.max(1, ops.get(j).outLen());
            int pick = -1;
            if (reuse && !free.isEmpty()) {
                int fit = -1, largest = -1;
                for (int f : free) {
                    int c = caps.get(f);
                    if (c >= len && (fit < 0 || c < caps.get(fit))) fit = f;
                    if (largest < 0 || c > caps.get(largest)) largest = f;
                }
                pick = fit >= 0 ? fit : largest;
                free.remove(Integer.valueOf(pick));
                caps.set(pick, Math.max(caps.get(pick), len));
            }
            if (pick < 0) {
                pick = caps.size();
                caps.add(len);
            }
            buf[j] = pick;
            if (!reuse) continue;
            // values no launch reads are dead at once; the next launch may take the buffer
            if (!results.get(j) && lastRead[j] < 0) free.add(pick);
            for (Src s : srcs[j]) {
                if (s == null || s.kind() != Src.DEVICE) continue;
                int p = s.producer();
                if (lastRead[p] == j && !results.get(p) && !free.contains(buf[p])) free.add(buf[p]);
            }
        }
        FloatArray[] arrays = new FloatArray[caps.size()];
        for (int b = 0; b < arrays.length; b++) arrays[b] = new FloatArray(caps.get(b));
        FloatArray[] outs = new FloatArray[n];
        for (int j = 0; j < n; j++) outs[j] = arrays[buf[j]];
        return outs;
    }

    /** Floats live at once at the busiest launch (its output and everything produced earlier and still to be read). */
    static long peakLive(List<Launch> ops, Src[][] srcs, BitSet results) {
        int n = ops.size();
        int[] lastRead = new int[n];
        for (int j = 0; j < n; j++) lastRead[j] = results.get(j) ? n : j;
        for (int j = 0; j < n; j++)
            for (Src s : srcs[j]) if (s != null && s.kind() == Src.DEVICE) lastRead[s.producer()] = Math.max(lastRead[s.producer()], j);
        long peak = 0;
        for (int j = 0; j < n; j++) {
            long live = 0;
            for (int p = 0; p <= j; p++) if (lastRead[p] >= j) live += Math.max(1, ops.get(p).outLen());
            peak = Math.max(peak, live);
        }
        return peak;
    }

    String blockName() { return blockName; }

    /** The device bytes this plan's buffers hold. */
    DeviceMemory memory() { return memory; }

    /**
     * True when every resident weight still equals its host values (the contract allows in-place updates): a weight
     * whose storage version has not moved since it was copied is current without looking at its values; only one
     * whose version moved is compared (as {@link KernelPlan#current} does).
     */
    boolean weightsCurrent(BlockQueue q, int instance) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < 4; i++) {
                if (weightIn[j][i] == null) continue;
                Launch op = q.ops.get(j);
                Launch.In in = op.ins()[i];
                long v = KernelPlan.version(in.storage());
                if (v == weightVersion[instance][j][i]) continue;
                Object values = in.values(op.shorts(i));
                counter.weightBytesCompared += (values instanceof short[] ? 2L : 4L) * in.length();
                long at = (long) instance * stride[j][i];
                if (!KernelPlan.holds(weightIn[j][i], at, values, in.offset(), in.length())) return false;
                weightVersion[instance][j][i] = v;
            }
        }
        return true;
    }

    boolean weightsCurrent(BlockQueue q) { return weightsCurrent(q, 0); }

    /** Runs the block on {@code q}'s host inputs; its outputs become this plan's (until the next run). */
    void run(BlockQueue q) { run(q, 0); }

    /** Runs the block as instance {@code instance} (whose weights the stacked slots read) on {@code q}'s host inputs. */
    void run(BlockQueue q, int instance) {
        // chained: the input is the previous run's result, still on the device (in chainX): nothing to upload
        boolean chained = false;
        if (chainJ >= 0) {
            Launch.In in = q.ops.get(chainJ).ins()[chainI];
            chained = ran && in.array() == null && in.offset() == 0 && in.length() == chainLen
                    && in.storage().deferred() instanceof DeferredOutput l && l.plan == this && l.epoch == epoch
                    && l.index == chainR;
        }
        for (int j = 0; j < n; j++) {
            if (!perRun[j]) continue;
            for (int i = 0; i < 4; i++) ip[j].set(Kernels.WOFF + i, instance * stride[j][i]);
            counter.toDevice++;
            counter.toDeviceBytes += 4L * KernelPlan.IP;
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < 4; i++) {
                if (hostIn[j][i] == null || j == chainJ && i == chainI && chained) continue;
                Launch.In in = q.ops.get(j).ins()[i];
                FloatArray to = j == chainJ && i == chainI ? chainStage : hostIn[j][i];
                MemorySegment.copy(in.data(), in.offset(), to.getSegment(), ValueLayout.JAVA_FLOAT, 0, in.length());
                counter.toDevice++;
                counter.toDeviceBytes += 4L * in.length();
                if (srcs[j][i].fromDevice()) {
                    counter.reuploads++;
                    counter.reuploadBytes += 4L * in.length();
                }
            }
        }
        // the inputs are on their way (they may have read earlier results): now the buffers may be overwritten
        if (chainJ >= 0) {
            // this run's result replaces the one its instance kept from its last run (the previous forward's):
            // that one is gone, not copied to the host (its values were read, or nothing holds it any more)
            DeferredOutput old = keptOwner[instance];
            keptOwner[instance] = null;
            if (old != null) old.overwritten = true;
            keptAt.set(2, instance * chainLen);
            counter.toDevice++;
            counter.toDeviceBytes += 4L * KernelPlan.IP;
        }
        keepLive();
        if (!ran) {
            counter.compiled += n + (chainJ >= 0 ? 2 : 0); // TornadoVM compiles every task of the graph at its first execution
            counter.toDevice += firstCopies;
            counter.toDeviceBytes += firstBytes;
            ran = true;
        }
        if (chainJ < 0) last = plan.execute();
        else {
            if (!chained) {
                plan.withGraph(0).execute();
                counter.launches++;
                if (!stagedOnce) {
                    counter.compiled++;
                    stagedOnce = true;
                }
            } else counter.chainedRuns++;
            last = plan.withGraph(1).execute();
            counter.launches += 2;
        }
        epoch++;
        counter.launches += n;
        for (DeferredOutput out : q.outs) {
            out.plan = this;
            out.epoch = epoch;
            if (readable[out.index]) live.add(out);
            else out.reused = true; // a later launch of this run overwrote its buffer
            if (out.index == chainR) keptOwner[instance] = out;
        }
        if (chainJ >= 0) keptEpoch[instance] = epoch;
    }

    /** Copies output {@code j} of run {@code ep} (which must be the latest run) to {@code dst}. */
    void fetch(int j, long ep, float[] dst) {
        if (chainJ >= 0) plan.withGraph(1); // the block's graph (graph 0 only stages the chained input)
        if (ep == epoch) {
            last.transferToHost(outs[j]);
            MemorySegment.copy(outs[j].getSegment(), ValueLayout.JAVA_FLOAT, 0, dst, 0, dst.length);
        } else {
            // a result of an earlier run of a chained plan: in its instance's slot of the kept results
            int c = -1;
            for (int k = 0; k < keptEpoch.length && j == chainR; k++) if (keptEpoch[k] == ep) c = k;
            if (c < 0) throw new IllegalStateException("block output read after its plan ran again");
            last.transferToHost(new DataRange(kept).withOffset((long) c * chainLen).withSize(chainLen));
            MemorySegment.copy(kept.getSegment(), ValueLayout.JAVA_FLOAT, 4L * c * chainLen, dst, 0, dst.length);
        }
        counter.toHost++;
        counter.toHostBytes += 4L * dst.length;
    }

    /**
     * Before the device buffers are overwritten: the last run's results that are still referenced and unread are
     * copied to the host; its intermediates expire (reading one later is an error that says so, never stale values).
     */
    private void keepLive() {
        for (DeferredOutput out : live) {
            Storage s = out.storage.get();
            if (s == null || s.deferred() == null) continue;
            // a chained plan's result stays readable in the kept results (until its instance runs again)
            if (out.result && out.index == chainR) continue;
            if (out.result) s.read();
            else out.expired = true;
        }
        live.clear();
    }

    /** Before the plan's buffers go: the kept results that are still referenced and unread are copied to the host. */
    private void keepKept() {
        for (int c = 0; c < keptOwner.length; c++) {
            DeferredOutput old = keptOwner[c];
            if (old == null) continue;
            Storage s = old.storage.get();
            if (s != null && s.deferred() == old) s.read();
            keptOwner[c] = null;
        }
    }

    int launches() { return n; }

    @Override
    public void close() {
        keepLive();
        keepKept();
        try {
            (chainJ >= 0 ? plan.withAllGraphs() : plan).freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // best-effort, as for KernelPlan
        }
    }
}
