package svg.tornado;

import svg.tensor.Storage;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.UnaryOp;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.common.TornadoFunctions.Task8;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * svg-tensor's {@link Backend} on a TornadoVM device (OpenCL or PTX): FP32 kernels from {@link Kernels} for GEMM
 * (matmul, linear), fused attention, layer/RMS/group norm, softmax, unary and strided/broadcast binary ops, conv2d,
 * nearest upsampling and RoPE.
 *
 * <p>Not on the device ({@link #supports} says so, and svg-tensor's scheduler runs them on the fallback backend, the
 * CPU one): last-axis reductions (sum/max/argmax), log-softmax, the two conv2d backward ops, embedding and its
 * backward. These are training or bookkeeping ops; sampling does not need them on the device. Nor are binary ops on
 * more than {@link Kernels#MAXDIM} axes or with negative strides, and attention over zero keys.
 *
 * <p>Plans: one {@link KernelPlan} per kernel and buffer-capacity class, compiled on first use and replayed after
 * that. Ops with weight matrices (linear, conv2d) get a plan per weight tensor whose weight buffers are uploaded once
 * and stay on the device. The norms' affine vectors are tiny and travel with each call, so all norm layers share one
 * compiled plan instead of costing one compilation each. Before each use the version of the weight's storage is
 * checked ({@link Storage#version()}, moved by every in-place write); only a weight whose version moved is compared
 * with the host array, and one found changed (an optimiser step) is sent with every call from then on.
 *
 * <p>Outside blocks, activations travel host -> device -> host on every op. Inside a block ({@link #runBlock}) the
 * launches are queued and run as one block plan ({@link BlockPlan}) that keeps the intermediates on the device (see
 * docs/tornado.md).
 */
public final class TornadoBackend implements Backend {
    static {
        configure();
    }

    /**
     * TornadoVM settings this backend needs, set (unless given on the command line) before TornadoVM reads them:
     * <ul>
     *   <li>a block plan is one task graph with a task per launch, whose TornadoVM bytecode outgrows the default
     *       4 KiB buffer (each graph allocates one such buffer, so it is not made huge);</li>
     *   <li>TornadoVM counts every device buffer against {@code tornado.device.memory}, 4 GB by default, whatever the
     *       device has (an accounting cap, nothing is reserved). SVG-XL needs more: its DiT weights alone are 2.7 GB
     *       in float32, and on an H200 {@code svg.bench.DeviceSvgXl} stopped with "Unable to allocate 33554448
     *       bytes" in its first sample. The default here is {@link #DEFAULT_DEVICE_MEMORY}, so that the device's own
     *       memory is the limit on today's GPUs; lower it for a smaller card to get TornadoVM's error, which says how
     *       to raise it, instead of the driver's.</li>
     * </ul>
     */
    static void configure() {
        if (System.getProperty("tornado.tvm.maxbytecodesize") == null)
            System.setProperty("tornado.tvm.maxbytecodesize", "131072");
        if (System.getProperty("tornado.device.memory") == null)
            System.setProperty("tornado.device.memory", DEFAULT_DEVICE_MEMORY);
    }

    /** The {@code tornado.device.memory} this backend sets when none is given (see {@link #configure()}). */
    static final String DEFAULT_DEVICE_MEMORY = "64GB";

    /** Weight-bearing plans above this count stop being made resident (device memory and compile time bound). */
    private static final int MAX_RESIDENT_PLANS = Integer.getInteger("svg.tornado.maxResidentPlans", 4096);

    /**
     * The 4x4 register-blocked GEMM (default) or the plain 16x16 tile ({@code -Dsvg.tornado.gemm=tile16}, read when
     * the backend is created), kept selectable because neither has been timed on a GPU yet.
     */
    private final boolean blockedGemm = !"tile16".equals(System.getProperty("svg.tornado.gemm"));

    private final TornadoDevice device;
    private final String deviceName;
    private final Map<Object, KernelPlan> plans = new HashMap<>();
    private int residentPlans;
    private final KernelPlan.Counter counter = new KernelPlan.Counter();
    /** Traffic per block name (ops run inside {@link #runBlock}), and how often each block ran. */
    private final Map<String, Transfers> blockTraffic = new java.util.LinkedHashMap<>();
    private final Map<String, Integer> blockRuns = new HashMap<>();
    /** Weights seen to change in place (training): they travel with every call from then on, like activations. */
    private final java.util.Set<Weight> mutable = new java.util.HashSet<>();

    /**
     * Blocks ({@link #runBlock}) run as one plan per distinct sequence of launches, their intermediates kept on the
     * device; {@code -Dsvg.tornado.blockPlans=false} runs them op by op instead (every output copied back).
     */
    private final boolean blockPlansOn;
    private final int planAfter;
    /** How often each launch sequence without a plan was seen (only when plans are built after several sightings). */
    private final Map<BlockPlan.Key, Integer> sightings = new HashMap<>();
    /** Block plans by their launch sequence (kernels, parameters, grids, where each input comes from). */
    private final Map<BlockPlan.Key, BlockPlan> blockPlans = new HashMap<>();
    /**
     * Inside a block plan, a launch writes a device buffer whose values are dead (their last reader in the block ran)
     * instead of a buffer of its own; {@code -Dsvg.tornado.blockBufferReuse=false}: one buffer per launch, so every
     * intermediate stays readable until the plan runs again.
     */
    private final boolean blockReuse;
    /**
     * Once a block plan has run, the op-by-op plans of the weights it holds are released (closed, their device copy
     * freed), so that a weight is not resident twice; {@code -Dsvg.tornado.releaseOpWeights=false} keeps them.
     */
    private final boolean releaseOpWeights;
    /** How many resident (weight-bearing) op-by-op plans were built so far: block plans sweep only after a change. */
    private long opPlansBuilt;
    /**
     * Op-by-op plans released once: if one is needed again (a block that falls back to op by op after its plan ran)
     * it is rebuilt and then kept, so a block that alternates does not recompile its op plans on every run.
     */
    private final java.util.Set<Key> releasedOnce = new java.util.HashSet<>();
    private final Map<String, Integer> blockFallbacks = new HashMap<>();
    /** {@code -Dsvg.tornado.traceFallbacks=true}: print where each block fell back to op by op (what read the host). */
    private static final boolean TRACE_FALLBACKS = Boolean.getBoolean("svg.tornado.traceFallbacks");
    /** The block whose launches are being queued (outermost {@code runBlock} of this backend), or null. */
    private Queue queue;

    /** {@code device} null: TornadoVM's default device. */
    TornadoBackend(TornadoDevice device) {
        this(device, !"false".equals(System.getProperty("svg.tornado.blockPlans")),
                Math.max(1, Integer.getInteger("svg.tornado.blockPlanAfter", 1)));
    }

    TornadoBackend(TornadoDevice device, boolean blockPlans) { this(device, blockPlans, 1); }

    TornadoBackend(TornadoDevice device, boolean blockPlans, int planAfter) {
        this(device, blockPlans, planAfter, !"false".equals(System.getProperty("svg.tornado.blockBufferReuse")));
    }

    TornadoBackend(TornadoDevice device, boolean blockPlans, int planAfter, boolean blockReuse) {
        this(device, blockPlans, planAfter, blockReuse, !"false".equals(System.getProperty("svg.tornado.releaseOpWeights")));
    }

    /**
     * @param planAfter a block plan is built when a launch sequence is seen for the planAfter-th time; before that
     *                  the block runs op by op. 1 (default): at once. A plan compiles every kernel of the block
     *                  anew, which pays only for blocks that run again (sampling steps); a block that runs once
     *                  (a decoder block in {@code svg sample}) compiles less op by op, whose plans are shared.
     */
    TornadoBackend(TornadoDevice device, boolean blockPlans, int planAfter, boolean blockReuse, boolean releaseOpWeights) {
        this.device = device;
        this.blockReuse = blockReuse;
        this.releaseOpWeights = releaseOpWeights;
        this.deviceName = device == null ? "default" : device.getDeviceName();
        this.blockPlansOn = blockPlans;
        this.planAfter = planAfter;
    }

    @Override
    public String name() { return "tornado"; }

    /**
     * What runs on the device; the rest goes to the fallback backend (see the class comment). (svg-tensor's op enum is
     * named in full: {@link Op} here is a queued launch.)
     */
    @Override
    public boolean supports(svg.tensor.backend.Op op, Tensor... operands) {
        return switch (op) {
            case REDUCE_LAST, LOG_SOFTMAX, CONV2D_BACKWARD_INPUT, CONV2D_BACKWARD_WEIGHT, EMBEDDING, EMBEDDING_BACKWARD,
                 GROUP_NORM_BACKWARD, GROUP_NORM_BACKWARD_AFFINE -> false;
            case BINARY -> operands[0].dim() <= Kernels.MAXDIM && nonNegative(operands[0]) && nonNegative(operands[1]);
            case ATTENTION -> operands[1].size(2) > 0; // k [B, H, Tk, D]: no keys, no softmax to take
            default -> true;
        };
    }

    private static boolean nonNegative(Tensor t) {
        for (int s : t.strides()) if (s < 0) return false;
        return true;
    }

    /** Device description for logs and {@code svg devices}. */
    public String deviceName() { return deviceName; }

    /** Number of compiled plans currently cached (tests check that plans are reused). */
    public synchronized int planCount() { return plans.size(); }

    // ---------------------------------------------------------------- plumbing

    /** The bfloat16-weight GEMM: B is a ShortArray. */
    interface Bf16Code extends Task8<KernelContext, IntArray, FloatArray, FloatArray, ShortArray, FloatArray,
            FloatArray, FloatArray> {}

    /** The powers of two that widen bfloat16 in the kernels (a constant input, resident like a weight). */
    private static final Tensor POW2 = Tensor.of(Kernels.bf16Pow2Table(), 256);

    interface Code extends Task8<KernelContext, IntArray, FloatArray, FloatArray, FloatArray, FloatArray,
            FloatArray, FloatArray> {}

    /** A weight tensor identified by its storage (identity), offset and length. */
    record Weight(Storage storage, int offset, int length) {
        @Override public boolean equals(Object o) {
            return o instanceof Weight w && w.storage == storage && w.offset == offset && w.length == length;
        }
        @Override public int hashCode() { return System.identityHashCode(storage) * 31 + offset; }
    }

    private record Key(String kernel, Weight w1, Weight w2, Weight w3) {}

    /**
     * Input slot: {@code length} values from {@code offset} of a tensor's storage, or of a host array (an output of
     * a block that was run op by op after all), or unused (null). The storage is read ({@link Storage#host()}) only
     * when the op runs on its own; a block plan takes its device-held values directly.
     */
    record In(Storage storage, float[] array, int offset, int length) {
        static In of(Tensor t) { return t == null ? null : new In(t.storage(), null, t.offset(), t.numel()); }
        float[] data() { return array != null ? array : storage.read(); } // read: no write to the storage's version

        /** The values as a kernel slot takes them: bfloat16 bits (short[]) when {@code bits} and so stored, else floats. */
        Object values(boolean bits) { return bits && array == null && storage.isBf16() ? storage.bf16() : data(); }
    }

    private static int pow2(int n) { return Math.max(64, Integer.highestOneBit(Math.max(1, n - 1)) << 1); }

    /**
     * Finds or builds the plan for {@code kernel}, loads the non-resident inputs and runs it.
     * {@code resident[i]} marks input i as a weight: the plan is then specific to that weight and uploads it once.
     */
    private synchronized float[] eager(String kernel, Task8<?, ?, ?, ?, ?, ?, ?, ?> code, In[] ins0, boolean[] resident,
                                       boolean[] bits, int outLen, int[] ints, float[] floats, int dims, long gx, long gy,
                                       long gz) {
        // the host values of every input (a deferred input is copied to the host here); bfloat16 slots keep the bits
        In[] ins = new In[4];
        Object[] vals = new Object[4];
        boolean[] shorts = new boolean[4];
        for (int i = 0; i < 4; i++) {
            if (ins0[i] == null) continue;
            vals[i] = ins0[i].values(bits[i]);
            shorts[i] = vals[i] instanceof short[];
            ins[i] = new In(ins0[i].storage, vals[i] instanceof float[] f ? f : null, ins0[i].offset, ins0[i].length);
        }
        Weight[] ws = new Weight[3];
        boolean anyResident = false;
        int wi = 0;
        for (int i = 0; i < 4; i++) {
            if (resident[i] && ins[i] != null) {
                ws[wi++] = new Weight(ins[i].storage, ins[i].offset, ins[i].length);
                anyResident = true;
            }
        }
        boolean keepResident = anyResident && residentPlans < MAX_RESIDENT_PLANS;
        for (Weight w : ws) if (w != null && mutable.contains(w)) keepResident = false;
        int[] lens = new int[4];
        int largest = outLen;
        for (int i = 0; i < 4; i++) {
            lens[i] = ins[i] == null ? 0 : ins[i].length;
            largest = Math.max(largest, lens[i]);
        }
        // TornadoVM copies whole buffers, so a plan sized for the largest op of its kind would copy that much for
        // every small op too (a SiLU on [B, D] paying for a GELU on [B, T, 4D]): plans without weights are kept per
        // power-of-two size class of their largest buffer, which bounds the copies to twice the data.
        Object key = keepResident ? new Key(kernel, ws[0], ws[1], ws[2]) : kernel + "@" + pow2(largest);
        KernelPlan p = plans.get(key);
        if (p != null && keepResident) {
            // The contract allows weights to be rewritten in place (an optimiser step). Every such write moves the
            // storage's version (svg.tensor.Storage#version), so an unchanged weight costs one comparison of two
            // numbers; only a weight whose version moved is compared with the host values. One that changed is
            // treated as an activation from now on, so training does not recompile per step.
            boolean stale = false;
            for (int i = 0; i < 4; i++)
                if (resident[i] && ins[i] != null && !p.current(i, ins[i].storage, vals[i], ins[i].offset, ins[i].length))
                    stale = true;
            if (stale) {
                p.close();
                plans.remove(key);
                residentPlans--;
                for (Weight w : ws) if (w != null) mutable.add(w);
                return eager(kernel, code, ins0, resident, bits, outLen, ints, floats, dims, gx, gy, gz);
            }
        }
        if (p == null || !p.fits(lens, outLen)) {
            int[] caps = new int[4];
            boolean[] res = new boolean[4];
            for (int i = 0; i < 4; i++) {
                res[i] = keepResident && resident[i] && ins[i] != null;
                int have = p == null ? 0 : p.caps[i];
                caps[i] = lens[i] == 0 ? have : res[i] ? lens[i] : Math.max(have, pow2(lens[i]));
            }
            int outCap = Math.max(p == null ? 0 : p.outCap, pow2(outLen));
            if (p != null) p.close();
            else if (keepResident) {
                residentPlans++;
                opPlansBuilt++;
            }
            p = new KernelPlan(kernel, code, caps, res, shorts, outCap, dims, device, counter);
            for (int i = 0; i < 4; i++) if (res[i]) p.setResident(i, ins[i].storage, vals[i], ins[i].offset, ins[i].length);
            plans.put(key, p);
        }
        for (int i = 0; i < 4; i++) {
            if (ins[i] != null && !(p.caps[i] == ins[i].length && keepResident && resident[i]))
                p.set(i, vals[i], ins[i].offset, ins[i].length);
        }
        for (In in : ins) {
            // an input that is an earlier launch's output, unchanged since: a device-resident design would not copy it
            if (in != null && recentOutputs.containsKey(in.array) && !(keepResident && isResidentSlot(ins, resident, in))) {
                counter.reuploads++;
                counter.reuploadBytes += 4L * in.length;
            }
        }
        float[] out = new float[outLen];
        p.run(ints, floats, gx, gy, gz, out, outLen);
        recentOutputs.put(out, Boolean.TRUE);
        return out;
    }

    private Tensor launch1(String kernel, Code code, In[] ins, boolean[] resident, int outLen, int[] ints,
                           float[] floats, long items, int... shape) {
        return launch(kernel, code, ins, resident, outLen, ints, floats, 1, KernelPlan.roundUp(Math.max(1, items), Kernels.ES), 1, 1, shape);
    }

    /**
     * Runs a kernel: inside a block it is queued (its output a deferred tensor that stays on the device, see
     * {@link #runBlock}); otherwise, or once a block has fallen back to running op by op, it runs now.
     */
    private Tensor launch(String kernel, Code code, In[] ins, boolean[] resident, int outLen, int[] ints,
                          float[] floats, int dims, long gx, long gy, long gz, int[] shape) {
        return launch0(kernel, code, ins, resident, NONE, outLen, ints, floats, dims, gx, gy, gz, shape);
    }

    /** {@code bits[i]}: slot i takes bfloat16 bits when its tensor is so stored (else widened floats). */
    private synchronized Tensor launch0(String kernel, Task8<?, ?, ?, ?, ?, ?, ?, ?> code, In[] ins, boolean[] resident,
                                        boolean[] bits, int outLen, int[] ints, float[] floats, int dims, long gx,
                                        long gy, long gz, int[] shape) {
        if (queue != null && !queue.eager) {
            if (queue.ops.size() >= MAX_PLAN_LAUNCHES) seal();
            Tensor t = queue.add(new Op(kernel, code, ins, resident, bits, outLen, ints, floats, dims, gx, gy, gz), shape);
            if (t != null) return t;
            flush(queue);
        }
        return Tensor.of(eager(kernel, code, ins, resident, bits, outLen, ints, floats, dims, gx, gy, gz), shape);
    }

    private static final boolean[] NONE = new boolean[4];

    /**
     * Launches per block plan. TornadoVM 5.2 has fixed, not configurable limits per task graph: its tasks are written
     * into an 8 KiB buffer ({@code TornadoTaskGraph.highLevelCode}, 60 bytes per task of ours: at most 136 tasks), and
     * its dependency graph has 1024 nodes ({@code TornadoGraph}, "resize not implemented"; a task of ours needs
     * several). A DiT forward of 65 launches fits, 170 do not. A longer block (model blocks marked as one) is cut into
     * plans of at most this many launches ({@code -Dsvg.tornado.maxPlanLaunches}).
     */
    static final int MAX_PLAN_LAUNCHES = Math.max(1, Integer.getInteger("svg.tornado.maxPlanLaunches", 48));

    /**
     * Runs the launches queued so far as a plan of their own and queues the rest of the block anew. Every output that
     * may be read later is kept (a result of the sealed plan; later launches take it as a host input): all but the
     * intermediates of nested blocks that already returned, which by the block contract are not read again.
     */
    private void seal() {
        Queue q = queue;
        for (Lazy l : q.outs) if (!l.inner) l.result = true;
        queue = new Queue(q.name);
        runQueue(q);
    }

    /**
     * Output arrays of launches, weakly held (for the re-upload count only; "unchanged" is assumed: Tensor results
     * are not written in place by inference code).
     */
    private final Map<float[], Boolean> recentOutputs = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private static boolean isResidentSlot(In[] ins, boolean[] resident, In in) {
        for (int i = 0; i < 4; i++) if (ins[i] == in) return resident[i];
        return false;
    }


    // ---------------------------------------------------------------- elementwise

    private static int code(UnaryOp op) {
        return switch (op) {
            case NEG -> Kernels.NEG; case ABS -> Kernels.ABS; case EXP -> Kernels.EXP; case LOG -> Kernels.LOG;
            case SQRT -> Kernels.SQRT; case RSQRT -> Kernels.RSQRT; case TANH -> Kernels.TANH;
            case SIGMOID -> Kernels.SIGMOID; case GELU -> Kernels.GELU; case GELU_TANH -> Kernels.GELU_TANH;
            case SILU -> Kernels.SILU; case STEP -> Kernels.STEP; case GELU_GRAD -> Kernels.GELU_GRAD;
            case GELU_TANH_GRAD -> Kernels.GELU_TANH_GRAD; case SILU_GRAD -> Kernels.SILU_GRAD;
        };
    }

    private static int code(BinaryOp op) {
        return switch (op) {
            case ADD -> Kernels.ADD; case SUB -> Kernels.SUB; case MUL -> Kernels.MUL; case DIV -> Kernels.DIV;
            case MAX -> Kernels.MAX; case POW -> Kernels.POW; case GE -> Kernels.GE;
        };
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        int n = x.numel();
        if (n == 0) return Tensor.empty(x.shape());
        Tensor c = x.contiguous();
        return launch1("unary", Kernels::unary, new In[]{In.of(c), null, null, null}, NONE, n,
                new int[]{code(op), n}, new float[0], n, x.shape());
    }

    /** The buffer range a strided view touches (strides are non-negative for every view Tensor makes). */
    private static In span(Tensor t) {
        int[] sh = t.shape(), st = t.strides();
        long last = 0;
        for (int d = 0; d < sh.length; d++) last += (long) (sh[d] - 1) * st[d];
        return new In(t.storage(), null, t.offset(), (int) last + 1);
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        int[] sh = a.shape();
        int n = a.numel();
        if (n == 0) return Tensor.empty(sh);
        if (!supports(svg.tensor.backend.Op.BINARY, a, b))
            throw new IllegalArgumentException("binary on the device: at most " + Kernels.MAXDIM
                    + " axes and non-negative strides (the scheduler sends the others to the fallback backend)");
        return strided(code(op), a, b);
    }

    /** a and b (strided views) concatenated along {@code axis} by the cat2 kernel; a contiguous result. */
    private Tensor cat2(Tensor a, Tensor b, int axis) {
        int[] sh = a.shape();
        sh[axis] += b.size(axis);
        int n = 1;
        for (int v : sh) n *= v;
        int[] ints = new int[6 + 3 * Kernels.MAXDIM];
        ints[1] = n;
        int pad = Kernels.MAXDIM - sh.length;
        int[] sa = a.strides(), sb = b.strides();
        for (int d = 0; d < Kernels.MAXDIM; d++) {
            boolean real = d >= pad;
            ints[2 + d] = real ? sh[d - pad] : 1;
            ints[2 + Kernels.MAXDIM + d] = real ? sa[d - pad] : 0;
            ints[2 + 2 * Kernels.MAXDIM + d] = real ? sb[d - pad] : 0;
        }
        ints[4 + 3 * Kernels.MAXDIM] = axis + pad;
        ints[5 + 3 * Kernels.MAXDIM] = a.size(axis);
        return launch1("cat2", Kernels::cat2, new In[]{span(a), span(b), null, null}, NONE, n, ints, new float[0], n, sh);
    }

    /** Kernels that read their inputs as strided views with offsets (ints[2 + 3 MAXDIM + slot]). */
    private static boolean viewKernel(String kernel) { return kernel.equals("binary") || kernel.equals("cat2"); }

    /** The strided binary kernel (offsets 0: each operand's span is what travels; a block plan sets them). */
    private Tensor strided(int op, Tensor a, Tensor b) {
        int[] sh = a.shape();
        int n = a.numel();
        int[] ints = new int[4 + 3 * Kernels.MAXDIM];
        ints[0] = op;
        ints[1] = n;
        int pad = Kernels.MAXDIM - sh.length;
        int[] sa = a.strides(), sb = b == null ? null : b.strides();
        for (int d = 0; d < Kernels.MAXDIM; d++) {
            boolean real = d >= pad;
            ints[2 + d] = real ? sh[d - pad] : 1;
            ints[2 + Kernels.MAXDIM + d] = real ? sa[d - pad] : 0;
            ints[2 + 2 * Kernels.MAXDIM + d] = real && sb != null ? sb[d - pad] : 0;
        }
        return launch1("binary", Kernels::binary, new In[]{span(a), b == null ? null : span(b), null, null}, NONE, n,
                ints, new float[0], n, sh);
    }

    @Override
    public Tensor softmax(Tensor x) {
        int n = x.dim() == 0 ? 1 : x.size(-1);
        int rows = n == 0 ? 0 : x.numel() / n;
        if (rows == 0) return Tensor.empty(x.shape());
        return launch1("softmax", Kernels::softmax, new In[]{In.of(x), null, null, null}, NONE, x.numel(),
                new int[]{n}, new float[0], (long) rows * Kernels.RS, x.shape());
    }

    // ---------------------------------------------------------------- GEMM

    private Tensor gemm(String kernel, Tensor a, boolean transA, Tensor b, boolean transB, Tensor bias,
                        int batch, int m, int n, int k, int bsA, int bsB, boolean weights) {
        int outLen = batch * m * n;
        if (outLen == 0) return Tensor.empty(batch, m, n);
        if (k == 0) return Tensor.zeros(batch, m, n);
        int[] ints = {m, n, k, transA ? 1 : 0, transB ? 1 : 0, bsA, bsB, bias == null ? 0 : 1};
        boolean[] res = weights ? new boolean[]{false, true, true, false} : NONE;
        int[] shape = {batch, m, n};
        if (blockedGemm && weights && b.isBf16()) {
            // the weight stays bfloat16 on the device (half the memory and upload); widened in the kernel
            Bf16Code bf = Kernels::gemm4x4Bf16;
            return launch0(kernel + "4x4bf16", bf, new In[]{In.of(a), In.of(b), In.of(bias), In.of(POW2)},
                    new boolean[]{false, true, true, true}, new boolean[]{false, true, false, false}, outLen, ints,
                    new float[0], 3, (long) Kernels.TS * ((n + Kernels.BT - 1) / Kernels.BT),
                    (long) Kernels.TS * ((m + Kernels.BT - 1) / Kernels.BT), batch, shape);
        }
        if (blockedGemm) {
            return launch(kernel + "4x4", Kernels::gemm4x4, new In[]{In.of(a), In.of(b), In.of(bias), null}, res, outLen,
                    ints, new float[0], 3, (long) Kernels.TS * ((n + Kernels.BT - 1) / Kernels.BT),
                    (long) Kernels.TS * ((m + Kernels.BT - 1) / Kernels.BT), batch, shape);
        }
        return launch(kernel, Kernels::gemm, new In[]{In.of(a), In.of(b), In.of(bias), null}, res, outLen, ints,
                new float[0], 3, KernelPlan.roundUp(n, Kernels.TS), KernelPlan.roundUp(m, Kernels.TS), batch, shape);
    }

    @Override
    public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        int ba = a.size(0), bb = b.size(0), nb = Math.max(ba, bb);
        int m = transA ? a.size(2) : a.size(1), k = transA ? a.size(1) : a.size(2);
        int n = transB ? b.size(1) : b.size(2);
        return gemm("matmul", a, transA, b, transB, null, nb, m, n, k,
                ba == 1 ? 0 : a.size(1) * a.size(2), bb == 1 ? 0 : b.size(1) * b.size(2), false);
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int rows = x.size(0), in = x.size(1), out = w.size(0);
        return gemm("linear", x, false, w, true, bias, 1, rows, out, in, 0, 0, true).reshape(rows, out);
    }

    // ---------------------------------------------------------------- normalisation

    private Tensor rowNorm(Tensor x, Tensor weight, Tensor bias, float eps, boolean rms) {
        int n = x.dim() == 0 ? 1 : x.size(-1);
        int rows = n == 0 ? 0 : x.numel() / n;
        if (rows == 0) return Tensor.empty(x.shape());
        return launch1(rms ? "rmsNorm" : "layerNorm", Kernels::rowNorm,
                new In[]{In.of(x), In.of(weight), In.of(bias), null}, NONE,
                x.numel(), new int[]{n, rms ? 1 : 0, weight == null ? 0 : 1, bias == null ? 0 : 1}, new float[]{eps},
                (long) rows * Kernels.RS, x.shape());
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) { return rowNorm(x, weight, bias, eps, false); }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) { return rowNorm(x, weight, null, eps, true); }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        int nb = x.size(0), c = x.size(1), s = x.size(2);
        if (x.numel() == 0) return Tensor.empty(x.shape());
        return launch1("groupNorm", Kernels::groupNorm, new In[]{In.of(x), In.of(weight), In.of(bias), null},
                NONE, x.numel(),
                new int[]{c, s, groups, weight == null ? 0 : 1, bias == null ? 0 : 1}, new float[]{eps},
                (long) nb * groups * Kernels.RS, x.shape());
    }

    // ---------------------------------------------------------------- convolution, resampling

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        int n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
        int o = w.size(0), kh = w.size(2), kw = w.size(3);
        int oh = (h + 2 * padding - kh) / stride + 1, ow = (wd + 2 * padding - kw) / stride + 1;
        int total = n * o * oh * ow;
        if (total == 0) return Tensor.empty(n, o, oh, ow);
        if (w.isBf16()) {
            // the weight stays bfloat16 on the device; widened in the kernel
            Bf16Code bf = Kernels::conv2dBf16;
            return launch0("conv2dBf16", bf, new In[]{In.of(x), In.of(w), In.of(bias), In.of(POW2)},
                    new boolean[]{false, true, true, true}, new boolean[]{false, true, false, false}, total,
                    new int[]{total, c, h, wd, o, kh, kw, oh, ow, stride, padding, bias == null ? 0 : 1}, new float[0],
                    1, KernelPlan.roundUp(Math.max(1, total), Kernels.ES), 1, 1, new int[]{n, o, oh, ow});
        }
        return launch1("conv2d", Kernels::conv2d, new In[]{In.of(x), In.of(w), In.of(bias), null},
                new boolean[]{false, true, true, false}, total,
                new int[]{total, c, h, wd, o, kh, kw, oh, ow, stride, padding, bias == null ? 0 : 1}, new float[0], total,
                n, o, oh, ow);
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int total = n * c * 4 * h * w;
        if (total == 0) return Tensor.empty(n, c, 2 * h, 2 * w);
        return launch1("upsample2x", Kernels::upsample2x, new In[]{In.of(x), null, null, null}, NONE, total,
                new int[]{total, h, w}, new float[0], total, n, c, 2 * h, 2 * w);
    }

    // ---------------------------------------------------------------- attention, rope

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        int b = q.size(0), h = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2), dv = v.size(3);
        int rows = b * h * tq;
        if (rows * dv == 0) return Tensor.empty(b, h, tq, dv);
        if (tk == 0) throw new IllegalArgumentException("attention over zero keys runs on the fallback backend (see supports)");
        // the accumulator of a row lives in local memory when it fits there, else in the output row itself
        boolean local = dv <= Kernels.ATT_DV;
        return launch1(local ? "attentionLocal" : "attention", local ? Kernels::attentionLocal : Kernels::attention,
                new In[]{In.of(q), In.of(k), In.of(v), In.of(mask)}, NONE,
                rows * dv, new int[]{rows, tq, tk, d, dv, mask == null ? 0 : 1}, new float[]{scale}, rows,
                b, h, tq, dv);
    }

    @Override
    public Tensor rope(Tensor x, Tensor sin, Tensor cos) {
        int n = x.numel();
        if (n == 0) return Tensor.empty(x.shape());
        int t = x.size(2), d = x.size(3);
        return launch1("rope", Kernels::rope, new In[]{In.of(x), In.of(sin), In.of(cos), null}, NONE, n,
                new int[]{n, t, d}, new float[0], n, x.shape());
    }

    /** All host <-> device traffic of this backend since it was created. */
    public synchronized Transfers transfers() { return counter.snapshot(); }

    /**
     * Kernels compiled so far: each op-by-op plan compiles its kernel, and each block plan every one of its tasks,
     * when it first runs (TornadoVM compiles per task graph, so a block plan does not reuse op-by-op code).
     */
    public synchronized long kernelsCompiled() { return counter.compiled; }

    /**
     * Bytes of resident weights compared with their host values so far: only weights whose storage version moved
     * (written in place, or handed out writable by {@link Tensor#data()}) are compared; 0 while none is touched.
     */
    public synchronized long weightBytesCompared() { return counter.weightBytesCompared; }

    /** Traffic of the ops run inside blocks named {@code name} (all calls together; nested blocks count in both). */
    public synchronized Transfers blockTransfers(String name) { return blockTraffic.getOrDefault(name, Transfers.ZERO); }

    /** How many times a block named {@code name} ran. */
    public synchronized int blockRuns(String name) { return blockRuns.getOrDefault(name, 0); }

    /** Forgets the per-block traffic (the running totals of {@link #transfers()} stay). */
    public synchronized void clearBlockTransfers() {
        blockTraffic.clear();
        blockRuns.clear();
        blockFallbacks.clear();
    }

    /**
     * Runs a block with its intermediates on the device. The block's ops are queued, not run: each returns a
     * deferred tensor ({@link Storage.Deferred}) that the next op of the block consumes where it is. When the block
     * returns, its launch sequence is looked up among the block plans (built and compiled the first time a sequence
     * is seen: one task graph with a task per launch, the intermediates never copied) and run once; the weights are
     * resident in the plan, the block's host inputs travel to the device, and nothing comes back until host code
     * reads a tensor (then that tensor alone is copied, on demand). A host read in the middle of a block (an op that
     * runs on the CPU, a loop over values) runs what was queued op by op and the rest of the block as before:
     * correct, only slower. Traffic is accounted per block name either way.
     */
    @Override
    public <T> T runBlock(String name, java.util.function.Supplier<T> ops) {
        Transfers before;
        boolean mine;
        synchronized (this) {
            before = transfers();
            // with gradients on, backward reads the block's intermediates later: those blocks run op by op
            mine = blockPlansOn && queue == null && !svg.tensor.autograd.GradMode.isEnabled();
            if (mine) queue = new Queue(name);
        }
        Queue outer;
        int start;
        synchronized (this) {
            outer = mine ? null : queue;
            start = outer == null ? 0 : outer.ops.size();
        }
        T result = null;
        try {
            result = ops.get();
            return result;
        } finally {
            synchronized (this) {
                if (outer != null && queue != null && !queue.eager) {
                    // a nested block returned: its intermediates are dead from here (only its result leaves it), so
                    // a plan sealed later may reuse their buffers; those of a plan sealed meanwhile were kept
                    if (queue != outer) start = 0;
                    java.util.Set<Lazy> res = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                    boolean all = resultLazies(result, res);
                    for (int j = start; j < queue.outs.size(); j++) {
                        Lazy l = queue.outs.get(j);
                        if (!all && !res.contains(l)) l.inner = true;
                    }
                }
                if (mine) {
                    Queue q = queue;
                    queue = null;
                    if (!q.eager && !q.ops.isEmpty()) {
                        markResults(q, result);
                        runQueue(q);
                    }
                }
                Transfers d = transfers().minus(before);
                blockTraffic.merge(name, d, Transfers::plus);
                blockRuns.merge(name, 1, Integer::sum);
            }
        }
    }

    /** How many runs of blocks named {@code name} fell back to op by op (a host read inside, see {@link #runBlock}). */
    public synchronized int blockFallbacks(String name) { return blockFallbacks.getOrDefault(name, 0); }

    /** Device memory held by the block plans built for blocks named {@code name} (the outermost block's name). */
    public synchronized DeviceMemory blockPlanMemory(String name) {
        DeviceMemory m = DeviceMemory.ZERO;
        for (BlockPlan p : blockPlans.values()) if (p.blockName().equals(name)) m = m.plus(p.memory());
        return m;
    }

    /** Device memory held by all block plans. */
    public synchronized DeviceMemory blockPlanMemory() {
        DeviceMemory m = DeviceMemory.ZERO;
        for (BlockPlan p : blockPlans.values()) m = m.plus(p.memory());
        return m;
    }

    /** Number of block plans built so far (tests check that blocks with the same launches share one). */
    public synchronized int blockPlanCount() { return blockPlans.size(); }

    /**
     * Marks the outputs that leave the block (its result: a tensor, or tensors in an array or collection); the others
     * are the block's intermediates. A result of another shape keeps every output.
     */
    private static void markResults(Queue q, Object result) {
        java.util.Set<Lazy> res = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        if (resultLazies(result, res)) q.outs.forEach(l -> l.result = true);
        else for (Lazy l : res) if (l.queue == q) l.result = true;
    }

    /** Adds the deferred outputs that {@code result} holds to {@code into}; true when it is no tensor or tensors (keep all). */
    private static boolean resultLazies(Object result, java.util.Set<Lazy> into) {
        java.util.List<Object> items = new ArrayList<>();
        if (result instanceof Tensor t) items.add(t);
        else if (result instanceof Object[] a) items.addAll(Arrays.asList(a));
        else if (result instanceof Iterable<?> it) it.forEach(items::add);
        for (Object o : items) if (!(o instanceof Tensor)) return true;
        for (Object o : items) if (((Tensor) o).storage().deferred() instanceof Lazy l) into.add(l);
        return false;
    }

    /** A queued launch: what {@link #eager} would run. */
    record Op(String kernel, Task8<?, ?, ?, ?, ?, ?, ?, ?> code, In[] ins, boolean[] resident, boolean[] bits, int outLen,
              int[] ints, float[] floats, int dims, long gx, long gy, long gz) {
        /** True when slot i goes to the device as bfloat16 bits. */
        boolean shorts(int i) { return bits[i] && ins[i] != null && ins[i].storage != null && ins[i].storage.isBf16(); }
    }

    /** The launches of one block being queued, and their deferred outputs. */
    final class Queue {
        final String name;
        final List<Op> ops = new ArrayList<>();
        /** Host inputs seen so far (storage identity, offset, length) -> their first slot, so each travels once. */
        private final Map<List<Object>, Integer> hostSeen = new HashMap<>();
        final List<BlockPlan.Src[]> srcs = new ArrayList<>();
        final List<Lazy> outs = new ArrayList<>();
        /** True once the queued ops ran one by one: the rest of the block runs that way too. */
        boolean eager;

        Queue(String name) { this.name = name; }

        /** Queues {@code op}; null when it cannot run inside a block plan (the caller then runs the block op by op). */
        Tensor add(Op op, int[] shape) {
            BlockPlan.Src[] src = new BlockPlan.Src[4];
            int[] ints = op.ints.clone();
            for (int i = 0; i < 4; i++) {
                In in = op.ins[i];
                if (in == null) continue;
                if (in.storage.deferred() instanceof Lazy l && l.queue == this && l.host == null) {
                    // an output of this block: read from its device buffer where the view starts
                    if (in.offset != 0 && !viewKernel(op.kernel)) return null;
                    if (viewKernel(op.kernel)) ints[2 + 3 * Kernels.MAXDIM + i] = in.offset;
                    src[i] = BlockPlan.Src.device(l.index, in.offset, in.length);
                } else if (op.shorts(i) || (op.resident[i] || blockResident(op.kernel, i))
                        && !mutable.contains(new Weight(in.storage, in.offset, in.length))) {
                    // (a bfloat16 slot is always resident: its device buffer holds shorts, host inputs floats)
                    src[i] = BlockPlan.Src.weight(in.storage, in.offset, in.length);
                } else {
                    List<Object> id = List.of(new Identity(in.storage), in.offset, in.length);
                    Integer first = hostSeen.putIfAbsent(id, 4 * ops.size() + i);
                    src[i] = BlockPlan.Src.host(in.length, in.storage.deferred() instanceof Lazy, first == null ? -1 : first);
                }
            }
            Lazy out = new Lazy(this, ops.size(), op.outLen);
            ops.add(new Op(op.kernel, op.code, op.ins, op.resident, op.bits, op.outLen, ints, op.floats, op.dims, op.gx, op.gy, op.gz));
            srcs.add(src);
            outs.add(out);
            Tensor t = Tensor.deferred(out, shape);
            out.storage = new WeakReference<>(t.storage());
            return t;
        }
    }

    /**
     * A queued launch's output. Until the block runs it is only a promise; then the values are in the block plan's
     * device buffer (copied to the host when read), or, if the block ran op by op, in a host array.
     */
    final class Lazy implements Storage.Deferred {
        final Queue queue;
        final int index, length;
        WeakReference<Storage> storage;
        float[] host;
        BlockPlan plan;
        long epoch;
        /** Leaves the block (kept readable when the plan runs again); else an intermediate. */
        boolean result;
        /** An intermediate whose plan ran again before anything read it: its values are gone. */
        boolean expired;
        /** An intermediate whose device buffer a later launch of the same run overwrote (buffer reuse). */
        boolean reused;
        /** An intermediate of a nested block that has returned (not read again; see {@link #seal}). */
        boolean inner;

        Lazy(Queue queue, int index, int length) {
            this.queue = queue;
            this.index = index;
            this.length = length;
        }

        @Override
        public void copyTo(float[] dst) {
            synchronized (TornadoBackend.this) {
                if (expired)
                    throw new IllegalStateException("a tensor computed inside block '" + queue.name + "' (not its result) "
                            + "was read after that block ran again; a TornadoVM block plan keeps a block's result, not its "
                            + "intermediates (run with -Dsvg.tornado.blockPlans=false to keep everything)");
                if (reused)
                    throw new IllegalStateException("a tensor computed inside block '" + queue.name + "' (not its result) "
                            + "was read after the block returned; its device buffer was reused by a later launch of the "
                            + "block's TornadoVM plan (-Dsvg.tornado.blockBufferReuse=false keeps intermediates until the "
                            + "block runs again, -Dsvg.tornado.blockPlans=false keeps everything)");
                if (host == null && plan == null) flush(queue);
                if (host != null) System.arraycopy(host, 0, dst, 0, length);
                else plan.fetch(index, epoch, dst);
            }
        }

        @Override
        public Tensor copy(Tensor view) {
            synchronized (TornadoBackend.this) {
                // inside a block: a strided-copy kernel (binary COPY) queued like any op; else the host copies
                if (TornadoBackend.this.queue == null || TornadoBackend.this.queue.eager) return null;
                for (int s : view.strides()) if (s < 0) return null;
                if (view.dim() > Kernels.MAXDIM) return null;
                return strided(Kernels.COPY, view, null);
            }
        }

        @Override
        public Tensor cat(int axis, List<Tensor> parts) {
            synchronized (TornadoBackend.this) {
                // inside a block: pairwise concatenation kernels (cat2) queued like any op; else the host does it
                if (TornadoBackend.this.queue == null || TornadoBackend.this.queue.eager) return null;
                Tensor acc = null;
                for (Tensor p : parts) {
                    if (p.dim() > Kernels.MAXDIM) return null;
                    for (int s : p.strides()) if (s < 0) return null;
                    if (p.numel() == 0) continue;
                    acc = acc == null ? p : cat2(acc, p, axis);
                }
                if (acc == null || !acc.isContiguous() || acc.offset() != 0 || acc.storage().length() != acc.numel())
                    return null; // nothing to concatenate on the device (empty parts, a single part)
                return acc;
            }
        }
    }

    /**
     * Inputs that a block plan keeps resident besides the weights of linear and conv2d: the norms' affine vectors
     * (parameters too; the op-by-op path sends them with each call only so that all norm layers share one compiled
     * plan, which a block plan does not need).
     */
    private static boolean blockResident(String kernel, int slot) {
        return slot > 0 && (kernel.equals("layerNorm") || kernel.equals("rmsNorm") || kernel.equals("groupNorm"));
    }

    /** Identity of an object as a map key. */
    private record Identity(Object o) {
        @Override public boolean equals(Object x) { return x instanceof Identity i && i.o == o; }
        @Override public int hashCode() { return System.identityHashCode(o); }
    }

    /** Runs a queue's ops one by one (a host read inside the block, or a plan that cannot be used). */
    private void flush(Queue q) { flush(q, true); }

    /** {@code fallback}: count it as a block that could not run as a plan (else: not planned yet, by choice). */
    private void flush(Queue q, boolean fallback) {
        if (q.eager) return;
        q.eager = true;
        if (fallback) blockFallbacks.merge(q.name, 1, Integer::sum);
        if (TRACE_FALLBACKS)
            new Throwable("block '" + q.name + "' falls back to op by op after " + q.ops.size() + " launches").printStackTrace();
        for (int j = 0; j < q.ops.size(); j++) {
            Op op = q.ops.get(j);
            BlockPlan.Src[] src = q.srcs.get(j);
            In[] ins = new In[4];
            int[] ints = op.ints.clone();
            for (int i = 0; i < 4; i++) {
                In in = op.ins[i];
                if (in == null) continue;
                if (src[i] != null && src[i].kind() == BlockPlan.Src.DEVICE) {
                    Lazy p = q.outs.get(src[i].producer());
                    ins[i] = new In(in.storage, p.host, in.offset, in.length);
                    if (viewKernel(op.kernel)) ints[2 + 3 * Kernels.MAXDIM + i] = 0;
                } else ins[i] = in;
            }
            q.outs.get(j).host = eager(op.kernel, op.code, ins, op.resident, op.bits, op.outLen, ints, op.floats,
                    op.dims, op.gx, op.gy, op.gz);
        }
    }

    /** Runs a finished block's queue as one plan (built on first sight of its launch sequence). */
    private void runQueue(Queue q) {
        List<BlockPlan.Sig> sigs = new ArrayList<>(q.ops.size());
        for (int j = 0; j < q.ops.size(); j++) sigs.add(BlockPlan.Sig.of(q.ops.get(j), q.srcs.get(j)));
        java.util.BitSet results = new java.util.BitSet();
        for (Lazy l : q.outs) if (l.result) results.set(l.index);
        BlockPlan.Key key = new BlockPlan.Key(sigs, results);
        BlockPlan bp = blockPlans.get(key);
        if (bp != null && !bp.weightsCurrent(q)) {
            // a weight changed in place (training): from now on it travels like an activation (a new sequence)
            bp.close();
            blockPlans.remove(key);
            for (BlockPlan.Src[] src : q.srcs)
                for (BlockPlan.Src x : src)
                    if (x != null && x.kind() == BlockPlan.Src.WEIGHT) mutable.add(new Weight(x.storage(), x.offset(), x.length()));
            flush(q);
            return;
        }
        if (bp == null && planAfter > 1 && sightings.merge(key, 1, Integer::sum) < planAfter) {
            flush(q, false);
            return;
        }
        if (bp == null) {
            sightings.remove(key);
            bp = new BlockPlan(q.name, q.ops, q.srcs, results, blockReuse, device, counter);
            blockPlans.put(key, bp);
        }
        bp.run(q);
        if (releaseOpWeights && bp.sweptAt != opPlansBuilt) releaseCovered(bp);
        // the queue's inputs are no longer needed (nothing will run it op by op now): let them be collected
        q.ops.clear();
        q.srcs.clear();
        q.hostSeen.clear();
    }

    /**
     * Closes the op-by-op plans whose weights {@code bp} (which has run) holds too: the same weight would otherwise
     * stay on the device twice. A plan released before is kept (see {@link #releasedOnce}).
     */
    private void releaseCovered(BlockPlan bp) {
        bp.sweptAt = opPlansBuilt;
        for (var it = plans.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey() instanceof Key k && covered(k, bp.weights) && releasedOnce.add(k)) {
                e.getValue().close();
                it.remove();
                residentPlans--;
            }
        }
    }

    private static boolean covered(Key k, java.util.Set<Weight> ws) {
        return (k.w1() == null || ws.contains(k.w1())) && (k.w2() == null || ws.contains(k.w2()))
                && (k.w3() == null || ws.contains(k.w3()));
    }

    /**
     * Device memory of the op-by-op plans that keep weights resident, and how much of it a block plan holds as
     * well (a weight resident twice).
     */
    public synchronized OpPlanMemory opPlanMemory() {
        java.util.Set<Weight> inBlocks = new java.util.HashSet<>();
        for (BlockPlan p : blockPlans.values()) inBlocks.addAll(p.weights);
        int n = 0, twice = 0;
        long weights = 0, all = 0, weightsTwice = 0;
        for (var e : plans.entrySet()) {
            if (!(e.getKey() instanceof Key k)) continue;
            KernelPlan p = e.getValue();
            n++;
            weights += p.residentBytes;
            all += p.bytes;
            if (covered(k, inBlocks)) {
                twice++;
                weightsTwice += p.residentBytes;
            }
        }
        return new OpPlanMemory(n, weights, all, twice, weightsTwice);
    }

    @Override
    public String toString() { return "tornado(" + deviceName + ")"; }

    /** Frees every plan's device memory; later ops rebuild what they need. */
    public synchronized void release() {
        plans.values().forEach(KernelPlan::close);
        plans.clear();
        blockPlans.values().forEach(BlockPlan::close);
        blockPlans.clear();
        sightings.clear();
        mutable.clear();
        recentOutputs.clear();
        releasedOnce.clear();
        residentPlans = 0;
    }

    static String describe(int[] a) { return Arrays.toString(a); }
}
