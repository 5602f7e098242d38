package svg.nn.data;

import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Endless, deterministic mini-batch stream with background workers.
 *
 * <p>Batch {@code s} is a pure function of (dataset, seed, s): epoch e = s / batchesPerEpoch uses the permutation of
 * a generator forked from the seed with key e, and image j of the batch is augmented with a generator forked with
 * key (s * batchSize + j). So worker count and prefetch depth never change the data, and resuming at step s only
 * needs s (no loader state in checkpoints). The last partial batch of an epoch is dropped.
 */
public final class Loader implements AutoCloseable {
    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private final Views views;
    private final int batchesPerEpoch;
    private final ExecutorService pool;
    private final int prefetch;
    private final ArrayDeque<Future<Batch>> queue = new ArrayDeque<>();
    private long nextToSubmit, nextToTake;
    private long permEpoch = -1;
    private int[] perm;

    /**
     * @param workers background threads (0 = build batches on the caller's thread)
     * @param prefetch batches built ahead of the consumer (ignored with 0 workers)
     */
    public Loader(Dataset data, int batchSize, long seed, Views views, int workers, int prefetch) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (data.size() < batchSize) throw new IllegalArgumentException("dataset has " + data.size() + " examples, fewer than one batch of " + batchSize);
        if (workers < 0) throw new IllegalArgumentException("workers must be >= 0");
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        this.views = views;
        this.batchesPerEpoch = data.size() / batchSize;
        this.prefetch = workers == 0 ? 0 : Math.max(1, prefetch);
        this.pool = workers == 0 ? null : Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "svg-loader");
            t.setDaemon(true);
            return t;
        });
    }

    public int batchesPerEpoch() { return batchesPerEpoch; }

    public int batchSize() { return batchSize; }

    public Dataset dataset() { return data; }

    /** Positions the stream so that the next {@link #next()} returns batch {@code step}. */
    public synchronized void seek(long step) {
        for (Future<Batch> f : queue) f.cancel(true);
        queue.clear();
        nextToSubmit = nextToTake = step;
    }

    /** The next batch of the stream (blocks until a worker has built it). */
    public Batch next() {
        if (pool == null) return batch(nextToTake++);
        Future<Batch> f;
        synchronized (this) {
            while (nextToSubmit < nextToTake + prefetch + 1) {
                long s = nextToSubmit++;
                queue.add(pool.submit(() -> batch(s)));
            }
            f = queue.poll();
            nextToTake++;
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new RuntimeException("loading a batch failed: " + c, c);
        }
    }

    /** Dataset indices of batch {@code step}. */
    public int[] indices(long step) {
        long epoch = step / batchesPerEpoch;
        int b = (int) (step % batchesPerEpoch);
        int[] p = permutation(epoch);
        int[] idx = new int[batchSize];
        System.arraycopy(p, b * batchSize, idx, 0, batchSize);
        return idx;
    }

    private synchronized int[] permutation(long epoch) {
        if (epoch != permEpoch) {
            perm = shuffled(data.size(), new Rng(seed).fork(epoch));
            permEpoch = epoch;
        }
        return perm;
    }

    /** Fisher-Yates shuffle of 0..n-1. */
    static int[] shuffled(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Builds batch {@code step} from scratch (pure; safe from any thread). */
    public Batch batch(long step) {
        int[] idx = indices(step);
        int[] labels = new int[batchSize];
        Image[][] per = new Image[batchSize][];
        Rng base = new Rng(seed ^ 0x5DEECE66DL);
        for (int j = 0; j < batchSize; j++) {
            Example ex = data.get(idx[j]);
            labels[j] = ex.label();
            per[j] = views.apply(ex.image(), base.fork(step * batchSize + j));
            if (j > 0 && per[j].length != per[0].length)
                throw new IllegalStateException("views produced " + per[j].length + " views for one image and " + per[0].length + " for another");
        }
        Tensor[] out = new Tensor[per[0].length];
        for (int k = 0; k < out.length; k++) {
            Image first = per[0][k];
            int n = first.data().length;
            float[] buf = new float[batchSize * n];
            for (int j = 0; j < batchSize; j++) {
                Image im = per[j][k];
                if (im.channels() != first.channels() || im.height() != first.height() || im.width() != first.width())
                    throw new IllegalStateException("view " + k + " has different sizes across the batch: " + im.channels() + "x" + im.height() + "x" + im.width()
                            + " vs " + first.channels() + "x" + first.height() + "x" + first.width());
                System.arraycopy(im.data(), 0, buf, j * n, n);
            }
            out[k] = Tensor.of(buf, batchSize, first.channels(), first.height(), first.width());
        }
        return new Batch(step, out, labels, idx);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
