package svg.nn.train.dit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.data.Loader;
import svg.nn.data.Transform;
import svg.nn.data.Views;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.train.TrainConfig;
import svg.nn.train.TrainSync;
import svg.nn.train.Trainer;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data-parallel hooks of the trainer ({@link TrainSync}, {@link DitTask#shard}): two replicas in two threads,
 * summing their gradients through shared memory, train the same weights as one process on the same global batch.
 */
class DataParallelDitTest {
    static final DiTConfig CFG = new DiTConfig(2, 1, 6, 32, 1, 2, 2.0, 0.1, 3, true, 0, true);
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    static LatentDataset data() {
        Rng r = new Rng(3);
        int n = 48;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % 3;
        return new LatentDataset(Tensor.randn(r, n, 4, 6), y, List.of("a", "b", "c"));
    }

    static TrainConfig config(Path out) {
        return TrainConfig.defaults(out, 12, 8, 3e-3).withSeed(5).withCheckpointEvery(4).withWarmup(2, 3e-4);
    }

    static Map<String, Tensor> train(Path out, int replica, int replicas, TrainSync sync) throws Exception {
        DitTask task = new DitTask(new DiT(CFG, new Rng(7)), 0.4, 0.1, 0.99);
        if (replicas > 1) task.shard(replica, replicas);
        TrainConfig cfg = config(out);
        try (Loader loader = new Loader(data(), cfg.batchSize(), cfg.seed(), Views.single(Transform.identity()), 0, 1)) {
            new Trainer(cfg, task, loader, QUIET).sync(sync).run();
        }
        return task.parameters();
    }

    /** Sums float arrays over the replicas in rank order (every replica gets the same bits). */
    static final class SharedSum {
        final int replicas;
        final CyclicBarrier barrier;
        final float[][] slots;
        float[] sum;

        SharedSum(int replicas) {
            this.replicas = replicas;
            this.slots = new float[replicas][];
            this.barrier = new CyclicBarrier(replicas, () -> {
                sum = new float[slots[0].length];
                for (float[] s : slots) for (int i = 0; i < s.length; i++) sum[i] += s[i];
            });
        }

        float[] allReduce(int rank, float[] v) {
            try {
                slots[rank] = v;
                barrier.await();
                float[] out = sum.clone();
                barrier.await(); // nobody overwrites sum before all have copied it
                return out;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static TrainSync replica(SharedSum s, int rank) {
        return new TrainSync() {
            @Override
            public void gradients(Map<String, Tensor> params, Map<String, Double> sums, long step) {
                List<Tensor> ps = new ArrayList<>(params.values());
                int n = 0;
                for (Tensor p : ps) n += p.numel();
                float[] flat = new float[n + 1];
                int at = 0;
                for (Tensor p : ps) {
                    if (p.grad() != null) System.arraycopy(p.grad().toArray(), 0, flat, at, p.numel());
                    at += p.numel();
                }
                flat[n] = sums.get("loss").floatValue();
                float[] r = s.allReduce(rank, flat);
                at = 0;
                for (Tensor p : ps) {
                    p.zeroGrad();
                    p.accumulateGrad(Tensor.of(java.util.Arrays.copyOfRange(r, at, at + p.numel()), p.shape()));
                    at += p.numel();
                }
                sums.put("loss", (double) r[n]);
            }

            @Override
            public boolean writer() { return rank == 0; }
        };
    }

    @Test
    void twoReplicasTrainWhatOneProcessTrains(@TempDir Path tmp) throws Exception {
        Map<String, Tensor> one = train(tmp.resolve("one"), 0, 1, TrainSync.NONE);
        SharedSum s = new SharedSum(2);
        Path shared = tmp.resolve("two");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Map<String, Tensor>> a = pool.submit(() -> train(shared, 0, 2, replica(s, 0)));
            Future<Map<String, Tensor>> b = pool.submit(() -> train(shared, 1, 2, replica(s, 1)));
            Map<String, Tensor> w0 = a.get(), w1 = b.get();
            double maxDiff = 0;
            for (var e : one.entrySet()) {
                float[] x = e.getValue().toArray(), y0 = w0.get(e.getKey()).toArray(), y1 = w1.get(e.getKey()).toArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(y0[i], y1[i], 0f, "replicas differ at " + e.getKey()); // the same update everywhere
                    maxDiff = Math.max(maxDiff, Math.abs(x[i] - y0[i]));
                }
            }
            assertTrue(maxDiff < 2e-5, "max |w(one process) - w(2 replicas)| = " + maxDiff);
        } finally {
            pool.shutdownNow();
        }
        assertTrue(Files.exists(shared.resolve(Trainer.CHECKPOINT)));
        // only the writer logs: one row per 10 updates + the last, not two of each
        List<String> log = Files.readAllLines(shared.resolve("log.csv"));
        assertEquals(Files.readAllLines(tmp.resolve("one").resolve("log.csv")).size(), log.size());
        assertFalse(log.isEmpty());
    }

    @Test
    void aShardIsItsShareOfTheBatch() {
        DitTask whole = new DitTask(new DiT(CFG, new Rng(7)), 0.4, 0.1, 0.99);
        DitTask half0 = new DitTask(new DiT(CFG, new Rng(7)), 0.4, 0.1, 0.99).shard(0, 2);
        DitTask half1 = new DitTask(new DiT(CFG, new Rng(7)), 0.4, 0.1, 0.99).shard(1, 2);
        Rng r = new Rng(9);
        svg.nn.data.Batch b = new svg.nn.data.Batch(0, new Tensor[]{Tensor.randn(r, 6, 1, 4, 6)}, new int[]{0, 1, 2, 0, 1, 2}, new int[6]);
        double l = whole.forward(b, new Rng(1), 0).reported();
        double l0 = half0.forward(b, new Rng(1), 0).reported(), l1 = half1.forward(b, new Rng(1), 0).reported();
        assertEquals(l, l0 + l1, 1e-6 * Math.abs(l));
    }
}
