package svg.spark;

import svg.nn.optim.Params;
import svg.nn.train.TrainSync;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The trainer's side of data-parallel training over a {@link RingAllReduce}.
 *
 * <p>Synchronous (every {@code 0}): after each step's backward the gradients, a presence flag per parameter (a
 * parameter without a gradient stays without one, as in one process) and the logged sums are summed over the
 * replicas; each replica's loss is weighted by its share of the global batch, so the sums are the global batch's, and
 * every replica applies the same update.
 *
 * <p>Local SGD (every K > 0): each replica steps on its own share's mean gradient (its weighted one times R) and every K
 * updates the weights and the task's state (EMA) are averaged; the optimiser moments stay per replica. The writer
 * (replica 0) checkpoints only at averaging points, so a resumed run restarts from weights all replicas agreed on.
 */
final class ReplicaSync implements TrainSync {
    private final RingAllReduce ring;
    private final int every;
    private final long failAtStep;
    private int syncs;
    private long firstStepNanos = -1, lastStepNanos, commNanos, steps;

    /**
     * @param every      0: synchronous; K > 0: local SGD averaging every K updates
     * @param failAtStep a test hook: throw after this update (-1: never), to exercise the stage's retry and resume
     */
    ReplicaSync(RingAllReduce ring, int every, long failAtStep) {
        this.ring = ring;
        this.every = every;
        this.failAtStep = failAtStep;
    }

    @Override
    public boolean writer() { return ring.rank() == 0; }

    /** How many all-reduce calls this replica made. */
    int syncs() { return syncs; }

    /** The training loop's updates, its seconds (from the first backward to the last update) and those spent summing. */
    String timing() {
        double loop = firstStepNanos < 0 ? 0 : (lastStepNanos - firstStepNanos) / 1e9;
        return String.format(java.util.Locale.ROOT, "%d updates in %.1f s of training loop, %.1f s of it in all-reduce", steps, loop, commNanos / 1e9);
    }

    @Override
    public void gradients(Map<String, Tensor> params, Map<String, Double> sums, long step) {
        if (firstStepNanos < 0) firstStepNanos = System.nanoTime();
        List<Tensor> ps = new ArrayList<>(params.values());
        if (every > 0) { // local SGD: this replica's own mean gradient
            float r = ring.size();
            for (Tensor p : ps) if (p.grad() != null) set(p, scaled(p.grad().toArray(), r));
            sums.replaceAll((k, v) -> v * r);
            return;
        }
        List<String> keys = new ArrayList<>(new TreeSet<>(sums.keySet())); // the same order on every replica
        int n = 0;
        for (Tensor p : ps) n += p.numel();
        float[] flat = new float[n + ps.size() + keys.size()];
        int at = 0;
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            if (p.grad() != null) {
                System.arraycopy(p.grad().toArray(), 0, flat, at, p.numel());
                flat[n + i] = 1;
            }
            at += p.numel();
        }
        for (int k = 0; k < keys.size(); k++) flat[n + ps.size() + k] = sums.get(keys.get(k)).floatValue();
        sum(flat);
        at = 0;
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            p.zeroGrad();
            if (flat[n + i] > 0) set(p, java.util.Arrays.copyOfRange(flat, at, at + p.numel()));
            at += p.numel();
        }
        for (int k = 0; k < keys.size(); k++) sums.put(keys.get(k), (double) flat[n + ps.size() + k]);
    }

    @Override
    public void updated(Map<String, Tensor> params, Map<String, Tensor> state, long step) {
        if (every > 0 && (step + 1) % every == 0) {
            Map<String, Tensor> all = new LinkedHashMap<>(params);
            state.forEach((k, v) -> all.put("state." + k, v));
            int n = 0;
            for (Tensor t : all.values()) n += t.numel();
            float[] flat = new float[n];
            int at = 0;
            for (Tensor t : all.values()) {
                System.arraycopy(t.toArray(), 0, flat, at, t.numel());
                at += t.numel();
            }
            sum(flat);
            float inv = 1f / ring.size();
            at = 0;
            Map<String, Tensor> avg = new LinkedHashMap<>();
            for (var e : all.entrySet()) {
                int m = e.getValue().numel();
                avg.put(e.getKey(), Tensor.of(scaled(java.util.Arrays.copyOfRange(flat, at, at + m), inv), e.getValue().shape()));
                at += m;
            }
            Params.assign(all, avg);
        }
        steps++;
        lastStepNanos = System.nanoTime();
        if (step + 1 == failAtStep) throw new IllegalStateException("injected failure after update " + failAtStep + " (test hook)");
    }

    private void sum(float[] v) {
        long t0 = System.nanoTime();
        try {
            ring.sum(v);
            syncs++;
            commNanos += System.nanoTime() - t0;
        } catch (IOException e) {
            throw new UncheckedIOException("all-reduce between the replicas failed: " + e.getMessage(), e);
        }
    }

    private static float[] scaled(float[] v, float s) {
        for (int i = 0; i < v.length; i++) v[i] *= s;
        return v;
    }

    private static void set(Tensor p, float[] grad) {
        p.zeroGrad();
        p.accumulateGrad(Tensor.of(grad, p.shape()));
    }
}
