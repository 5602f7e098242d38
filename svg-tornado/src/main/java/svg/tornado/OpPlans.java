package svg.tornado;

import svg.tornado.Launch.In;
import svg.tornado.Launch.Weight;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Weight residency and the cache of op-by-op plans ({@link KernelPlan}): how a launch runs on its own. Ops with
 * weight matrices (linear, conv2d) get a plan per weight tensor whose weight buffers are uploaded once and stay on the
 * device; the others share one plan per kernel and power-of-two size class. Before each use the version of a
 * resident weight's storage is checked ({@link svg.tensor.Storage#version()}); a weight found changed (an optimiser
 * step) joins {@link #mutable} and is sent with every call from then on. Guarded by the backend's lock.
 */
final class OpPlans {
    /** Weight-bearing plans above this count stop being made resident (device memory and compile time bound). */
    private static final int MAX_RESIDENT_PLANS = Integer.getInteger("svg.tornado.maxResidentPlans", 4096);

    private final TornadoDevice device;
    private final Counters counter;
    private final Map<Object, KernelPlan> plans = new HashMap<>();
    private int residentPlans;
    /** Weights seen to change in place (training): they travel with every call from then on, like activations. */
    final Set<Weight> mutable = new HashSet<>();
    /** How many resident (weight-bearing) plans were built so far: block plans sweep only after a change. */
    long built;
    /**
     * Plans released once: if one is needed again (a block that falls back to op by op after its plan ran) it is
     * rebuilt and then kept, so a block that alternates does not recompile its op plans on every run.
     */
    private final Set<Key> releasedOnce = new HashSet<>();
    /**
     * Output arrays of launches, weakly held (for the re-upload count only; "unchanged" is assumed: Tensor results
     * are not written in place by inference code).
     */
    private final Map<float[], Boolean> recentOutputs = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * While set, weights are not made resident: they travel with every call like activations, and their launches
     * share the plans of their kernel and size class. Set while a block that will get a shared block plan runs op by
     * op ({@link Blocks}), so that its weights do not each compile and hold an op-by-op plan of their own.
     */
    boolean streamWeights;

    /** A weight-bearing plan's key: its kernel and up to three weights. */
    private record Key(String kernel, Weight w1, Weight w2, Weight w3) {}

    OpPlans(TornadoDevice device, Counters counter) {
        this.device = device;
        this.counter = counter;
    }

    int size() { return plans.size(); }

    private static int pow2(int n) { return Math.max(64, Integer.highestOneBit(Math.max(1, n - 1)) << 1); }

    /**
     * Finds or builds the plan for {@code kernel}, loads the non-resident inputs and runs it.
     * {@code resident[i]} marks input i as a weight: the plan is then specific to that weight and uploads it once.
     */
    float[] run(Launch op) {
        String kernel = op.kernel();
        In[] ins0 = op.ins();
        boolean[] resident = op.resident(), bits = op.bits();
        int outLen = op.outLen();
        // the host values of every input (a deferred input is copied to the host here); bfloat16 slots keep the bits
        In[] ins = new In[4];
        Object[] vals = new Object[4];
        boolean[] shorts = new boolean[4];
        for (int i = 0; i < 4; i++) {
            if (ins0[i] == null) continue;
            vals[i] = ins0[i].values(bits[i]);
            shorts[i] = vals[i] instanceof short[];
            ins[i] = new In(ins0[i].storage(), vals[i] instanceof float[] f ? f : null, ins0[i].offset(), ins0[i].length());
        }
        Weight[] ws = new Weight[3];
        boolean anyResident = false;
        int wi = 0;
        for (int i = 0; i < 4; i++) {
            if (resident[i] && ins[i] != null) {
                ws[wi++] = new Weight(ins[i].storage(), ins[i].offset(), ins[i].length());
                anyResident = true;
            }
        }
        boolean keepResident = anyResident && !streamWeights && residentPlans < MAX_RESIDENT_PLANS;
        for (Weight w : ws) if (w != null && mutable.contains(w)) keepResident = false;
        int[] lens = new int[4];
        int largest = outLen;
        for (int i = 0; i < 4; i++) {
            lens[i] = ins[i] == null ? 0 : ins[i].length();
            largest = Math.max(largest, lens[i]);
        }
        // TornadoVM copies whole buffers, so a plan sized for the largest op of its kind would copy that much for
        // every small op too (a SiLU on [B, D] paying for a GELU on [B, T, 4D]): plans without weights are kept per
        // power-of-two size class of their largest buffer, which bounds the copies to twice the data.
        // streamed block launches (see streamWeights) get plans of their own: sharing the plans of the ops outside blocks
        // would grow those plans' buffers to weight sizes, and TornadoVM copies whole buffers on every call
        Object key = keepResident ? new Key(kernel, ws[0], ws[1], ws[2])
                : (streamWeights ? "streamed " : "") + kernel + "@" + pow2(largest);
        KernelPlan p = plans.get(key);
        if (p != null && keepResident) {
            // The contract allows weights to be rewritten in place (an optimiser step). Every such write moves the
            // storage's version (svg.tensor.Storage#version), so an unchanged weight costs one comparison of two
            // numbers; only a weight whose version moved is compared with the host values. One that changed is
            // treated as an activation from now on, so training does not recompile per step.
            boolean stale = false;
            for (int i = 0; i < 4; i++)
                if (resident[i] && ins[i] != null && !p.current(i, ins[i].storage(), vals[i], ins[i].offset(), ins[i].length()))
                    stale = true;
            if (stale) {
                p.close();
                plans.remove(key);
                residentPlans--;
                for (Weight w : ws) if (w != null) mutable.add(w);
                return run(op);
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
                built++;
            }
            p = new KernelPlan(kernel, op.code(), caps, res, shorts, outCap, op.dims(), device, counter);
            for (int i = 0; i < 4; i++) if (res[i]) p.setResident(i, ins[i].storage(), vals[i], ins[i].offset(), ins[i].length());
            plans.put(key, p);
        }
        for (int i = 0; i < 4; i++) {
            if (ins[i] != null && !(p.caps[i] == ins[i].length() && keepResident && resident[i]))
                p.set(i, vals[i], ins[i].offset(), ins[i].length());
        }
        Transfers before = counter.snapshot();
        for (In in : ins) {
            // an input that is an earlier launch's output, unchanged since: a device-resident design would not copy it
            if (in != null && recentOutputs.containsKey(in.array()) && !(keepResident && isResidentSlot(ins, resident, in))) {
                counter.reuploads++;
                counter.reuploadBytes += 4L * in.length();
            }
        }
        float[] out = new float[outLen];
        p.run(op.ints(), op.floats(), op.gx(), op.gy(), op.gz(), out, outLen);
        counter.opTraffic.merge(kernel + " -> " + outLen, counter.snapshot().minus(before), Transfers::plus);
        recentOutputs.put(out, Boolean.TRUE);
        return out;
    }

    private static boolean isResidentSlot(In[] ins, boolean[] resident, In in) {
        for (int i = 0; i < 4; i++) if (ins[i] == in) return resident[i];
        return false;
    }

    /**
     * Closes the plans whose weights a block plan holds too ({@code ws}): the same weight would otherwise stay on the
     * device twice. A plan released before is kept (see {@link #releasedOnce}).
     */
    void releaseCovered(Set<Weight> ws) {
        for (var it = plans.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey() instanceof Key k && covered(k, ws) && releasedOnce.add(k)) {
                e.getValue().close();
                it.remove();
                residentPlans--;
            }
        }
    }

    private static boolean covered(Key k, Set<Weight> ws) {
        return (k.w1() == null || ws.contains(k.w1())) && (k.w2() == null || ws.contains(k.w2()))
                && (k.w3() == null || ws.contains(k.w3()));
    }

    /** Device memory of the weight-bearing plans, and how much of it {@code inBlocks} (block plans' weights) repeats. */
    OpPlanMemory memory(Set<Weight> inBlocks) {
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

    /** Frees every plan's device memory and forgets what was learnt about the weights. */
    void release() {
        plans.values().forEach(KernelPlan::close);
        plans.clear();
        mutable.clear();
        recentOutputs.clear();
        releasedOnce.clear();
        residentPlans = 0;
    }
}
