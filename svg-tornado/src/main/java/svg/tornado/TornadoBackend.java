package svg.tornado;

import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.UnaryOp;
import svg.tornado.Launch.Bf16Code;
import svg.tornado.Launch.Code;
import svg.tornado.Launch.In;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.common.TornadoFunctions.Task8;

import java.util.Arrays;

/**
 * svg-tensor's {@link Backend} on a TornadoVM device (OpenCL or PTX): FP32 kernels (one class per op family, see {@link Kernels}) for GEMM
 * (matmul, linear), fused attention, layer/RMS/group norm, softmax, unary and strided/broadcast binary ops, conv2d,
 * nearest upsampling and RoPE.
 *
 * <p>Not on the device ({@link #supports} says so, and svg-tensor's scheduler runs them on the fallback backend, the
 * CPU one): last-axis reductions (sum/max/argmax), log-softmax, the two conv2d backward ops, embedding and its
 * backward. These are training or bookkeeping ops; sampling does not need them on the device. Nor are binary ops on
 * more than {@link ElementwiseKernels#MAXDIM} axes or with negative strides, and attention over zero keys.
 *
 * <p>Plans: one {@link KernelPlan} per kernel and buffer-capacity class, compiled on first use and replayed after
 * that. Ops with weight matrices (linear, conv2d) get a plan per weight tensor whose weight buffers are uploaded once
 * and stay on the device. The norms' affine vectors are tiny and travel with each call, so all norm layers share one
 * compiled plan instead of costing one compilation each. Before each use the version of the weight's storage is
 * checked ({@link svg.tensor.Storage#version()}, moved by every in-place write); only a weight whose version moved is compared
 * with the host array, and one found changed (an optimiser step) is sent with every call from then on.
 *
 * <p>Outside blocks, activations travel host -> device -> host on every op. Inside a block ({@link #runBlock}) the
 * launches are queued and run as one block plan ({@link BlockPlan}) that keeps the intermediates on the device (see
 * docs/tornado.md).
 *
 * <p>This class is the facade: the op methods describe each op as a {@link Launch}, which {@link Blocks} queues
 * inside a block and {@link OpPlans} runs otherwise; {@link Counters} holds what both count.
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

    /**
     * The 4x4 register-blocked GEMM (default) or the plain 16x16 tile ({@code -Dsvg.tornado.gemm=tile16}, read when
     * the backend is created), kept selectable because neither has been timed on a GPU yet.
     */
    private final boolean blockedGemm = !"tile16".equals(System.getProperty("svg.tornado.gemm"));

    private final String deviceName;
    private final Counters counter = new Counters();
    private final OpPlans opPlans;
    private final Blocks blocks;

    /** {@code device} null: TornadoVM's default device. */
    TornadoBackend(TornadoDevice device) {
        this(device, !"false".equals(System.getProperty("svg.tornado.blockPlans")),
                Math.max(1, Integer.getInteger("svg.tornado.blockPlanAfter", 1)),
                !"false".equals(System.getProperty("svg.tornado.blockBufferReuse")),
                !"false".equals(System.getProperty("svg.tornado.releaseOpWeights")),
                !"false".equals(System.getProperty("svg.tornado.sharedBlocks")),
                !"false".equals(System.getProperty("svg.tornado.chainBlocks")));
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
        this(device, blockPlans, planAfter, blockReuse, releaseOpWeights, false);
    }

    /**
     * @param sharedBlocks blocks with the same launches share one plan, their weights stacked (compiled once for a
     *                     model's N blocks; see {@link Blocks}); false: a plan per block instance. The backend that
     *                     {@code --device tornado} creates shares ({@code -Dsvg.tornado.sharedBlocks=false} turns it
     *                     off); the constructors without this flag, which the older tests use, do not.
     */
    TornadoBackend(TornadoDevice device, boolean blockPlans, int planAfter, boolean blockReuse, boolean releaseOpWeights,
                   boolean sharedBlocks) {
        this(device, blockPlans, planAfter, blockReuse, releaseOpWeights, sharedBlocks,
                !"false".equals(System.getProperty("svg.tornado.chainBlocks")));
    }

    /**
     * @param chainBlocks a shared block plan takes the previous run's result as its input on the device, and keeps
     *                    each block's result there until that block runs again ({@link BlockPlan}: issue 17, part 3);
     *                    {@code -Dsvg.tornado.chainBlocks=false}: every result goes to the host and back, as before
     */
    TornadoBackend(TornadoDevice device, boolean blockPlans, int planAfter, boolean blockReuse, boolean releaseOpWeights,
                   boolean sharedBlocks, boolean chainBlocks) {
        this.deviceName = device == null ? "default" : device.getDeviceName();
        this.opPlans = new OpPlans(device, counter);
        this.blocks = new Blocks(this, opPlans, device, counter, blockPlans, planAfter, blockReuse, releaseOpWeights,
                sharedBlocks, chainBlocks);
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
                 GROUP_NORM_BACKWARD, GROUP_NORM_BACKWARD_AFFINE, LAYER_NORM_BACKWARD, LAYER_NORM_BACKWARD_AFFINE -> false;
            case BINARY -> operands[0].dim() <= ElementwiseKernels.MAXDIM && nonNegative(operands[0]) && nonNegative(operands[1]);
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
    /** Number of op-by-op plans currently cached (tests check that plans are reused). */
    public synchronized int planCount() { return opPlans.size(); }

    // ---------------------------------------------------------------- plumbing

    /** The powers of two that widen bfloat16 in the kernels (a constant input, resident like a weight). */
    private static final Tensor POW2 = Tensor.of(Bf16.bf16Pow2Table(), 256);


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
        Launch op = new Launch(kernel, code, ins, resident, bits, outLen, ints, floats, dims, gx, gy, gz);
        Tensor t = blocks.enqueue(op, shape);
        return t != null ? t : Tensor.of(opPlans.run(op), shape);
    }

    private static final boolean[] NONE = new boolean[4];


    // ---------------------------------------------------------------- elementwise

    private static int code(UnaryOp op) {
        return switch (op) {
            case NEG -> ElementwiseKernels.NEG; case ABS -> ElementwiseKernels.ABS; case EXP -> ElementwiseKernels.EXP; case LOG -> ElementwiseKernels.LOG;
            case SQRT -> ElementwiseKernels.SQRT; case RSQRT -> ElementwiseKernels.RSQRT; case TANH -> ElementwiseKernels.TANH;
            case SIGMOID -> ElementwiseKernels.SIGMOID; case GELU -> ElementwiseKernels.GELU; case GELU_TANH -> ElementwiseKernels.GELU_TANH;
            case SILU -> ElementwiseKernels.SILU; case STEP -> ElementwiseKernels.STEP; case GELU_GRAD -> ElementwiseKernels.GELU_GRAD;
            case GELU_TANH_GRAD -> ElementwiseKernels.GELU_TANH_GRAD; case SILU_GRAD -> ElementwiseKernels.SILU_GRAD;
        };
    }

    private static int code(BinaryOp op) {
        return switch (op) {
            case ADD -> ElementwiseKernels.ADD; case SUB -> ElementwiseKernels.SUB; case MUL -> ElementwiseKernels.MUL; case DIV -> ElementwiseKernels.DIV;
            case MAX -> ElementwiseKernels.MAX; case POW -> ElementwiseKernels.POW; case GE -> ElementwiseKernels.GE;
        };
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        int n = x.numel();
        if (n == 0) return Tensor.empty(x.shape());
        Tensor c = x.contiguous();
        return launch1("unary", ElementwiseKernels::unary, new In[]{In.of(c), null, null, null}, NONE, n,
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
            throw new IllegalArgumentException("binary on the device: at most " + ElementwiseKernels.MAXDIM
                    + " axes and non-negative strides (the scheduler sends the others to the fallback backend)");
        return strided(code(op), a, b);
    }

    /** a and b (strided views) concatenated along {@code axis} by the cat2 kernel; a contiguous result. */
    Tensor cat2(Tensor a, Tensor b, int axis) {
        int[] sh = a.shape();
        sh[axis] += b.size(axis);
        int n = 1;
        for (int v : sh) n *= v;
        int[] ints = new int[6 + 3 * ElementwiseKernels.MAXDIM];
        ints[1] = n;
        int pad = ElementwiseKernels.MAXDIM - sh.length;
        int[] sa = a.strides(), sb = b.strides();
        for (int d = 0; d < ElementwiseKernels.MAXDIM; d++) {
            boolean real = d >= pad;
            ints[2 + d] = real ? sh[d - pad] : 1;
            ints[2 + ElementwiseKernels.MAXDIM + d] = real ? sa[d - pad] : 0;
            ints[2 + 2 * ElementwiseKernels.MAXDIM + d] = real ? sb[d - pad] : 0;
        }
        ints[4 + 3 * ElementwiseKernels.MAXDIM] = axis + pad;
        ints[5 + 3 * ElementwiseKernels.MAXDIM] = a.size(axis);
        return launch1("cat2", ElementwiseKernels::cat2, new In[]{span(a), span(b), null, null}, NONE, n, ints, new float[0], n, sh);
    }

    /** The strided binary kernel (offsets 0: each operand's span is what travels; a block plan sets them). */
    Tensor strided(int op, Tensor a, Tensor b) {
        int[] sh = a.shape();
        int n = a.numel();
        int[] ints = new int[4 + 3 * ElementwiseKernels.MAXDIM];
        ints[0] = op;
        ints[1] = n;
        int pad = ElementwiseKernels.MAXDIM - sh.length;
        int[] sa = a.strides(), sb = b == null ? null : b.strides();
        for (int d = 0; d < ElementwiseKernels.MAXDIM; d++) {
            boolean real = d >= pad;
            ints[2 + d] = real ? sh[d - pad] : 1;
            ints[2 + ElementwiseKernels.MAXDIM + d] = real ? sa[d - pad] : 0;
            ints[2 + 2 * ElementwiseKernels.MAXDIM + d] = real && sb != null ? sb[d - pad] : 0;
        }
        return launch1("binary", ElementwiseKernels::binary, new In[]{span(a), b == null ? null : span(b), null, null}, NONE, n,
                ints, new float[0], n, sh);
    }

    @Override
    public Tensor softmax(Tensor x) {
        int n = x.dim() == 0 ? 1 : x.size(-1);
        int rows = n == 0 ? 0 : x.numel() / n;
        if (rows == 0) return Tensor.empty(x.shape());
        return launch1("softmax", NormKernels::softmax, new In[]{In.of(x), null, null, null}, NONE, x.numel(),
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
            Bf16Code bf = GemmKernels::gemm4x4Bf16;
            return launch0(kernel + "4x4bf16", bf, new In[]{In.of(a), In.of(b), In.of(bias), In.of(POW2)},
                    new boolean[]{false, true, true, true}, new boolean[]{false, true, false, false}, outLen, ints,
                    new float[0], 3, (long) Kernels.TS * ((n + GemmKernels.BT - 1) / GemmKernels.BT),
                    (long) Kernels.TS * ((m + GemmKernels.BT - 1) / GemmKernels.BT), batch, shape);
        }
        if (blockedGemm) {
            return launch(kernel + "4x4", GemmKernels::gemm4x4, new In[]{In.of(a), In.of(b), In.of(bias), null}, res, outLen,
                    ints, new float[0], 3, (long) Kernels.TS * ((n + GemmKernels.BT - 1) / GemmKernels.BT),
                    (long) Kernels.TS * ((m + GemmKernels.BT - 1) / GemmKernels.BT), batch, shape);
        }
        return launch(kernel, GemmKernels::gemm, new In[]{In.of(a), In.of(b), In.of(bias), null}, res, outLen, ints,
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
        return launch1(rms ? "rmsNorm" : "layerNorm", NormKernels::rowNorm,
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
        return launch1("groupNorm", NormKernels::groupNorm, new In[]{In.of(x), In.of(weight), In.of(bias), null},
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
            Bf16Code bf = ConvKernels::conv2dBf16;
            return launch0("conv2dBf16", bf, new In[]{In.of(x), In.of(w), In.of(bias), In.of(POW2)},
                    new boolean[]{false, true, true, true}, new boolean[]{false, true, false, false}, total,
                    new int[]{total, c, h, wd, o, kh, kw, oh, ow, stride, padding, bias == null ? 0 : 1}, new float[0],
                    1, KernelPlan.roundUp(Math.max(1, total), Kernels.ES), 1, 1, new int[]{n, o, oh, ow});
        }
        return launch1("conv2d", ConvKernels::conv2d, new In[]{In.of(x), In.of(w), In.of(bias), null},
                new boolean[]{false, true, true, false}, total,
                new int[]{total, c, h, wd, o, kh, kw, oh, ow, stride, padding, bias == null ? 0 : 1}, new float[0], total,
                n, o, oh, ow);
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int total = n * c * 4 * h * w;
        if (total == 0) return Tensor.empty(n, c, 2 * h, 2 * w);
        return launch1("upsample2x", ConvKernels::upsample2x, new In[]{In.of(x), null, null, null}, NONE, total,
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
        boolean local = dv <= AttentionKernels.ATT_DV;
        return launch1(local ? "attentionLocal" : "attention", local ? AttentionKernels::attentionLocal : AttentionKernels::attention,
                new In[]{In.of(q), In.of(k), In.of(v), In.of(mask)}, NONE,
                rows * dv, new int[]{rows, tq, tk, d, dv, mask == null ? 0 : 1}, new float[]{scale}, rows,
                b, h, tq, dv);
    }

    @Override
    public Tensor rope(Tensor x, Tensor sin, Tensor cos) {
        int n = x.numel();
        if (n == 0) return Tensor.empty(x.shape());
        int t = x.size(2), d = x.size(3);
        return launch1("rope", AttentionKernels::rope, new In[]{In.of(x), In.of(sin), In.of(cos), null}, NONE, n,
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
    public synchronized Transfers blockTransfers(String name) { return counter.blockTraffic.getOrDefault(name, Transfers.ZERO); }

    /**
     * The traffic of the launches run op by op (outside block plans), per kernel and output length, e.g.
     * {@code "linear4x4 -> 393216"}: where the bytes that do not stay on the device come from.
     */
    public synchronized java.util.Map<String, Transfers> opTransfers() { return new java.util.HashMap<>(counter.opTraffic); }

    /** How many times a block named {@code name} ran. */
    public synchronized int blockRuns(String name) { return counter.blockRuns.getOrDefault(name, 0); }

    /** Forgets the per-block traffic (the running totals of {@link #transfers()} stay). */
    public synchronized void clearBlockTransfers() { counter.clearBlocks(); }

    /**
     * Runs a block with its intermediates on the device. The block's ops are queued, not run: each returns a
     * deferred tensor ({@link svg.tensor.Storage.Deferred}) that the next op of the block consumes where it is. When the block
     * returns, its launch sequence is looked up among the block plans (built and compiled the first time a sequence
     * is seen: one task graph with a task per launch, the intermediates never copied) and run once; the weights are
     * resident in the plan, the block's host inputs travel to the device, and nothing comes back until host code
     * reads a tensor (then that tensor alone is copied, on demand). A host read in the middle of a block (an op that
     * runs on the CPU, a loop over values) runs what was queued op by op and the rest of the block as before:
     * correct, only slower. Traffic is accounted per block name either way.
     */
    @Override
    public <T> T runBlock(String name, java.util.function.Supplier<T> ops) { return blocks.run(name, ops); }

    /** How many runs of blocks named {@code name} fell back to op by op (a host read inside, see {@link #runBlock}). */
    public synchronized int blockFallbacks(String name) { return counter.blockFallbacks.getOrDefault(name, 0); }

    /**
     * Block plan runs that took the previous run's result as their input on the device (shared plans chain their
     * blocks: {@code x -> block -> x'} without a copy to the host and back; {@code -Dsvg.tornado.chainBlocks=false}
     * turns it off).
     */
    public synchronized long chainedBlockRuns() { return counter.chainedRuns; }

    /** Device memory held by the block plans built for blocks named {@code name} (the outermost block's name). */
    public synchronized DeviceMemory blockPlanMemory(String name) { return blocks.memory(name); }

    /** Device memory held by all block plans. */
    public synchronized DeviceMemory blockPlanMemory() { return blocks.memory(null); }

    /** Number of block plans built so far (tests check that blocks with the same launches share one). */
    public synchronized int blockPlanCount() { return blocks.count(); }

    /**
     * Device memory of the op-by-op plans that keep weights resident, and how much of it a block plan holds as
     * well (a weight resident twice).
     */
    public synchronized OpPlanMemory opPlanMemory() { return opPlans.memory(blocks.weights()); }

    @Override
    public String toString() { return "tornado(" + deviceName + ")"; }

    /** Frees every plan's device memory; later ops rebuild what they need. */
    public synchronized void release() {
        opPlans.release();
        blocks.release();
    }

    static String describe(int[] a) { return Arrays.toString(a); }
}
