package svg.tornado;

import svg.tensor.Tensor;
import svg.tornado.Launch.In;
import svg.tornado.Launch.Weight;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Blocks ({@link TornadoBackend#runBlock}): the queue of the block being built, and the cache of block plans by
 * launch sequence. When a block returns, its queue runs as one {@link BlockPlan}, or op by op when it cannot (a host
 * read inside the block, gradients on, plans off). With shared plans (the default backend's) blocks that differ
 * only in their weights share one plan ({@link #runShared}); otherwise each instance gets its own, built the first
 * time its sequence is seen. Guarded by the backend's lock ({@link #backend}).
 */
final class Blocks {
    /**
     * Launches per block plan. TornadoVM 5.2 has fixed, not configurable limits per task graph: its tasks are written
     * into an 8 KiB buffer ({@code TornadoTaskGraph.highLevelCode}, 60 bytes per task of ours: at most 136 tasks), and
     * its dependency graph has 1024 nodes ({@code TornadoGraph}, "resize not implemented"; a task of ours needs
     * several). A DiT forward of 65 launches fits, 170 do not. A longer block (model blocks marked as one) is cut into
     * plans of at most this many launches ({@code -Dsvg.tornado.maxPlanLaunches}).
     */
    static final int MAX_PLAN_LAUNCHES = Math.max(1, Integer.getInteger("svg.tornado.maxPlanLaunches", 48));

    /** {@code -Dsvg.tornado.traceFallbacks=true}: print where each block fell back to op by op (what read the host). */
    private static final boolean TRACE_FALLBACKS = Boolean.getBoolean("svg.tornado.traceFallbacks");

    /** The lock of all block state, and the op methods that deferred outputs queue (strided copy, cat). */
    final TornadoBackend backend;
    final OpPlans opPlans;
    private final TornadoDevice device;
    private final Counters counter;
    /**
     * Blocks run as one plan per distinct sequence of launches, their intermediates kept on the device;
     * {@code -Dsvg.tornado.blockPlans=false} runs them op by op instead (every output copied back).
     */
    private final boolean plansOn;
    private final int planAfter;
    /**
     * Inside a block plan, a launch writes a device buffer whose values are dead (their last reader in the block ran)
     * instead of a buffer of its own; {@code -Dsvg.tornado.blockBufferReuse=false}: one buffer per launch, so every
     * intermediate stays readable until the plan runs again.
     */
    private final boolean reuse;
    /**
     * Once a block plan has run, the op-by-op plans of the weights it holds are released (closed, their device copy
     * freed), so that a weight is not resident twice; {@code -Dsvg.tornado.releaseOpWeights=false} keeps them.
     */
    private final boolean releaseOpWeights;
    /** How often each launch sequence without a plan was seen (only when plans are built after several sightings). */
    private final Map<BlockPlan.Key, Integer> sightings = new HashMap<>();
    /** Block plans by their launch sequence (kernels, parameters, grids, where each input comes from). */
    private final Map<BlockPlan.Key, BlockPlan> plans = new HashMap<>();
    /**
     * Blocks with the same launches but their own weights (a model's N transformer blocks) share one plan: one
     * compilation instead of N ({@code -Dsvg.tornado.sharedBlocks=false}: a plan per block instance). See
     * {@link #runShared}.
     */
    private final boolean shared;
    /** Shared plans pass a block's result to the next run on the device ({@link BlockPlan}, chaining). */
    private final boolean chain;
    /** Shared plans by launch sequence with the stackable weights left out ({@link #sharedKey}). */
    private final Map<BlockPlan.Key, Family> families = new HashMap<>();
    /** The block whose launches are being queued (outermost {@code runBlock} of this backend), or null. */
    private BlockQueue queue;

    Blocks(TornadoBackend backend, OpPlans opPlans, TornadoDevice device, Counters counter, boolean plansOn,
           int planAfter, boolean reuse, boolean releaseOpWeights, boolean shared, boolean chain) {
        this.shared = shared;
        this.chain = chain;
        this.backend = backend;
        this.opPlans = opPlans;
        this.device = device;
        this.counter = counter;
        this.plansOn = plansOn;
        this.planAfter = planAfter;
        this.reuse = reuse;
        this.releaseOpWeights = releaseOpWeights;
    }

    /** True while a block's launches are being queued (not run op by op). */
    boolean queueing() { return queue != null && !queue.eager; }

    /** Queues {@code op} in the current block; null when there is none or the block now runs op by op. */
    Tensor enqueue(Launch op, int[] shape) {
        if (!queueing()) return null;
        if (queue.ops.size() >= MAX_PLAN_LAUNCHES) seal();
        Tensor t = queue.add(op, shape);
        if (t == null) flush(queue);
        return t;
    }

    /** The body of {@link TornadoBackend#runBlock}: queues the block's ops and runs them when it returns. */
    <T> T run(String name, Supplier<T> ops) {
        Transfers before;
        boolean mine;
        BlockQueue outer;
        int start;
        synchronized (backend) {
            before = counter.snapshot();
            // with gradients on, backward reads the block's intermediates later: those blocks run op by op
            mine = plansOn && queue == null && !svg.tensor.autograd.GradMode.isEnabled();
            if (mine) queue = new BlockQueue(name, this);
            outer = mine ? null : queue;
            start = outer == null ? 0 : outer.ops.size();
        }
        T result = null;
        try {
            result = ops.get();
            return result;
        } finally {
            synchronized (backend) {
                if (outer != null && queue != null && !queue.eager) {
                    // a nested block returned: its intermediates are dead from here (only its result leaves it), so
                    // a plan sealed later may reuse their buffers; those of a plan sealed meanwhile were kept
                    if (queue != outer) start = 0;
                    Set<DeferredOutput> res = Collections.newSetFromMap(new IdentityHashMap<>());
                    boolean all = resultOutputs(result, res);
                    for (int j = start; j < queue.outs.size(); j++) {
                        DeferredOutput l = queue.outs.get(j);
                        if (!all && !res.contains(l)) l.inner = true;
                    }
                }
                if (mine) {
                    BlockQueue q = queue;
                    queue = null;
                    if (!q.eager && !q.ops.isEmpty()) {
                        markResults(q, result);
                        runQueue(q);
                    }
                }
                counter.blockRan(name, counter.snapshot().minus(before));
            }
        }
    }

    /**
     * Runs the launches queued so far as a plan of their own and queues the rest of the block anew. Every output that
     * may be read later is kept (a result of the sealed plan; later launches take it as a host input): all but the
     * intermediates of nested blocks that already returned, which by the block contract are not read again.
     */
    void seal() {
        BlockQueue q = queue;
        for (DeferredOutput l : q.outs) if (!l.inner) l.result = true;
        queue = new BlockQueue(q.name, this);
        runQueue(q);
    }

    /**
     * Marks the outputs that leave the block (its result: a tensor, or tensors in an array or collection); the others
     * are the block's intermediates. A result of another shape keeps every output.
     */
    private static void markResults(BlockQueue q, Object result) {
        Set<DeferredOutput> res = Collections.newSetFromMap(new IdentityHashMap<>());
        if (resultOutputs(result, res)) q.outs.forEach(l -> l.result = true);
        else for (DeferredOutput l : res) if (l.queue == q) l.result = true;
    }

    /** Adds the deferred outputs that {@code result} holds to {@code into}; true when it is no tensor or tensors (keep all). */
    private static boolean resultOutputs(Object result, Set<DeferredOutput> into) {
        List<Object> items = new ArrayList<>();
        if (result instanceof Tensor t) items.add(t);
        else if (result instanceof Object[] a) items.addAll(Arrays.asList(a));
        else if (result instanceof Iterable<?> it) it.forEach(items::add);
        for (Object o : items) if (!(o instanceof Tensor)) return true;
        for (Object o : items) if (((Tensor) o).storage().deferred() instanceof DeferredOutput l) into.add(l);
        return false;
    }

    /** Runs a queue's ops one by one (a host read inside the block, or a plan that cannot be used). */
    void flush(BlockQueue q) { flush(q, true); }

    /** {@code fallback}: count it as a block that could not run as a plan (else: not planned yet, by choice). */
    private void flush(BlockQueue q, boolean fallback) {
        if (q.eager) return;
        q.eager = true;
        if (fallback) counter.blockFallbacks.merge(q.name, 1, Integer::sum);
        if (TRACE_FALLBACKS)
            new Throwable("block '" + q.name + "' falls back to op by op after " + q.ops.size() + " launches").printStackTrace();
        for (int j = 0; j < q.ops.size(); j++) {
            Launch op = q.ops.get(j);
            BlockPlan.Src[] src = q.srcs.get(j);
            In[] ins = new In[4];
            int[] ints = op.ints().clone();
            for (int i = 0; i < 4; i++) {
                In in = op.ins()[i];
                if (in == null) continue;
                if (src[i] != null && src[i].kind() == BlockPlan.Src.DEVICE) {
                    DeferredOutput p = q.outs.get(src[i].producer());
                    ins[i] = new In(in.storage(), p.host, in.offset(), in.length());
                    if (BlockQueue.viewKernel(op.kernel())) ints[2 + 3 * ElementwiseKernels.MAXDIM + i] = 0;
                } else ins[i] = in;
            }
            q.outs.get(j).host = opPlans.run(op.with(ins, ints));
        }
    }

    /** Runs a finished block's queue as one plan (built on first sight of its launch sequence). */
    private void runQueue(BlockQueue q) {
        if (shared) {
            runShared(q);
            return;
        }
        List<BlockPlan.Sig> sigs = new ArrayList<>(q.ops.size());
        for (int j = 0; j < q.ops.size(); j++) sigs.add(BlockPlan.Sig.of(q.ops.get(j), q.srcs.get(j)));
        BitSet results = new BitSet();
        for (DeferredOutput l : q.outs) if (l.result) results.set(l.index);
        BlockPlan.Key key = new BlockPlan.Key(sigs, results);
        BlockPlan bp = plans.get(key);
        if (bp != null && !bp.weightsCurrent(q)) {
            // a weight changed in place (training): from now on it travels like an activation (a new sequence)
            bp.close();
            plans.remove(key);
            for (BlockPlan.Src[] src : q.srcs)
                for (BlockPlan.Src x : src)
                    if (x != null && x.kind() == BlockPlan.Src.WEIGHT) opPlans.mutable.add(new Weight(x.storage(), x.offset(), x.length()));
            flush(q);
            return;
        }
        if (bp == null && planAfter > 1 && sightings.merge(key, 1, Integer::sum) < planAfter) {
            flush(q, false);
            return;
        }
        if (bp == null) {
            sightings.remove(key);
            bp = new BlockPlan(q.name, q.ops, q.srcs, results, reuse, device, counter);
            plans.put(key, bp);
        }
        bp.run(q);
        ran(bp, q);
    }

    /** After {@code bp} ran {@code q}: op-by-op copies of its weights are released, and the queue is let go. */
    private void ran(BlockPlan bp, BlockQueue q) {
        if (releaseOpWeights && bp.sweptAt != opPlans.built) {
            bp.sweptAt = opPlans.built;
            opPlans.releaseCovered(bp.weights);
        }
        // the queue's inputs are no longer needed (nothing will run it op by op now): let them be collected
        q.ops.clear();
        q.srcs.clear();
        q.hostSeen.clear();
    }

    /**
     * The block instances of one launch sequence (weights left out) and their shared plans. An instance is the list
     * of weights in its stackable slots.
     */
    private static final class Family {
        final Map<List<Weight>, Slot> slots = new HashMap<>();
        /** Instances seen since the last plan was built, in order, with their weights: they run op by op until one repeats. */
        final Map<List<Weight>, In[][]> pending = new java.util.LinkedHashMap<>();
    }

    private record Slot(BlockPlan plan, int instance) {}

    /**
     * Runs a block whose plan is shared by every instance of its launch sequence (blocks that differ only in their
     * weights). TornadoVM compiles per task graph and cannot swap a graph's buffers, so the instances must be known
     * when the plan is built: its weight slots stack every instance's weights (read at an offset, {@link Kernels#WOFF}).
     * The backend learns them from the calls: an instance not in a plan runs op by op, with its weights streamed (no
     * resident op plan per weight) and is remembered; when a remembered one comes again (the next forward: the model's
     * blocks have all been seen), one plan is built for all of them and compiled once. A model's N blocks therefore
     * cost one compilation of one block instead of N, and the first forward runs op by op (its ops share the plans of
     * their kernels). A block without stackable weights is planned at once.
     */
    private void runShared(BlockQueue q) {
        BlockPlan.Key key = sharedKey(q);
        List<Weight> inst = new ArrayList<>();
        for (int j = 0; j < q.ops.size(); j++)
            for (int i = 0; i < 4; i++)
                if (stackable(q, j, i)) {
                    In in = q.ops.get(j).ins()[i];
                    inst.add(new Weight(in.storage(), in.offset(), in.length()));
                }
        Family f = families.computeIfAbsent(key, k -> new Family());
        Slot slot = f.slots.get(inst);
        if (slot != null && !slot.plan().weightsCurrent(q, slot.instance())) {
            // a weight changed in place (training): this instance's weights travel like activations from now on
            // (a new launch sequence); the plan keeps serving the other instances
            f.slots.remove(inst);
            for (BlockPlan.Src[] src : q.srcs)
                for (BlockPlan.Src x : src)
                    if (x != null && x.kind() == BlockPlan.Src.WEIGHT) opPlans.mutable.add(new Weight(x.storage(), x.offset(), x.length()));
            flush(q);
            return;
        }
        if (slot == null && !inst.isEmpty() && !f.pending.containsKey(inst)) {
            f.pending.put(inst, BlockPlan.weightsOf(q.ops, q.srcs));
            opPlans.streamWeights = true;
            try {
                flush(q, false);
            } finally {
                opPlans.streamWeights = false;
            }
            return;
        }
        if (slot == null) {
            // every instance seen since the last plan gets a slot in one new plan (compiled once)
            if (inst.isEmpty()) f.pending.put(inst, BlockPlan.weightsOf(q.ops, q.srcs));
            BlockPlan bp = new BlockPlan(q.name, q.ops, q.srcs, key.results(), reuse, device, counter,
                    new ArrayList<>(f.pending.values()), chain);
            int c = 0;
            for (List<Weight> w : f.pending.keySet()) f.slots.put(w, new Slot(bp, c++));
            f.pending.clear();
            slot = f.slots.get(inst);
        }
        slot.plan().run(q, slot.instance());
        ran(slot.plan(), q);
    }

    /** True when input i of launch j is a weight that a shared plan may stack. */
    private static boolean stackable(BlockQueue q, int j, int i) {
        BlockPlan.Src s = q.srcs.get(j)[i];
        return s != null && s.kind() == BlockPlan.Src.WEIGHT && BlockQueue.offsetSlot(q.ops.get(j).kernel(), i);
    }

    /** The launch sequence of {@code q} with the stackable weights anonymous (their lengths stay). */
    private static BlockPlan.Key sharedKey(BlockQueue q) {
        List<BlockPlan.Sig> sigs = new ArrayList<>(q.ops.size());
        for (int j = 0; j < q.ops.size(); j++) {
            BlockPlan.Src[] src = q.srcs.get(j).clone();
            for (int i = 0; i < 4; i++) if (stackable(q, j, i)) src[i] = BlockPlan.Src.weight(null, 0, src[i].length());
            sigs.add(BlockPlan.Sig.of(q.ops.get(j), src));
        }
        BitSet results = new BitSet();
        for (DeferredOutput l : q.outs) if (l.result) results.set(l.index);
        return new BlockPlan.Key(sigs, results);
    }

    /** Device memory held by the block plans built for blocks named {@code name} (null: all). */
    DeviceMemory memory(String name) {
        DeviceMemory m = DeviceMemory.ZERO;
        for (BlockPlan p : all()) if (name == null || p.blockName().equals(name)) m = m.plus(p.memory());
        return m;
    }

    /** Every block plan, per instance and shared, each once. */
    private Set<BlockPlan> all() {
        Set<BlockPlan> ps = Collections.newSetFromMap(new IdentityHashMap<>());
        ps.addAll(plans.values());
        for (Family f : families.values()) for (Slot s : f.slots.values()) ps.add(s.plan());
        return ps;
    }

    int count() { return all().size(); }

    /** The host weights that block plans hold a device copy of. */
    Set<Weight> weights() {
        Set<Weight> ws = new HashSet<>();
        for (BlockPlan p : all()) ws.addAll(p.weights);
        return ws;
    }

    void release() {
        all().forEach(BlockPlan::close);
        plans.clear();
        families.clear();
        sightings.clear();
    }
}
