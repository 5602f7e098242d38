package svg.tensor.parallel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The one threading policy of the project: a shared pool sized to the machine (or {@code svg.threads}).
 *
 * <p>Work is split into index ranges whose boundaries depend only on the problem size and the grain, never on the
 * number of threads; each range is computed entirely by one thread. A kernel that keeps every reduction inside one
 * range therefore produces bit-identical results with 1 or N threads.
 */
public final class Parallel {
    private static volatile int threads = defaultThreads();
    private static ExecutorService pool;
    /** True on a thread that is inside a forChunks region (as caller or worker): nested regions then run inline. */
    private static final ThreadLocal<Boolean> IN_REGION = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Parallel() {}

    private static int defaultThreads() {
        String p = System.getProperty("svg.threads");
        if (p != null && !p.isBlank()) return Math.max(1, Integer.parseInt(p.trim()));
        return Runtime.getRuntime().availableProcessors();
    }

    /** Number of threads used by kernels. */
    public static int threads() { return threads; }

    /** Sets the number of kernel threads (1 = run on the caller's thread). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n != threads && pool != null) { pool.shutdown(); pool = null; }
        threads = n;
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "svg-kernel");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /** A body over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody { void run(int start, int end); }

    /**
     * Runs {@code body} over [0, n) in chunks of {@code grain} indices (the last one shorter). Chunk boundaries are
     * a function of n and grain only, so the result is independent of the thread count.
     */
    public static void forChunks(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        grain = Math.max(1, grain);
        int chunks = (n + grain - 1) / grain;
        int t = threads;
        if (t == 1 || chunks == 1 || IN_REGION.get() || Thread.currentThread().getName().equals("svg-kernel")) {
            for (int c = 0; c < chunks; c++) body.run(c * grain, Math.min(n, (c + 1) * grain));
            return;
        }
        AtomicInteger next = new AtomicInteger();
        final int g = grain;
        Runnable worker = () -> {
            int c;
            while ((c = next.getAndIncrement()) < chunks) body.run(c * g, Math.min(n, (c + 1) * g));
        };
        int helpers = Math.min(t - 1, chunks - 1);
        List<Future<?>> fs = new ArrayList<>(helpers);
        ExecutorService p = pool();
        for (int i = 0; i < helpers; i++) fs.add(p.submit(worker));
        // the caller works too; a region nested in its chunks must not fan out again (the pool threads are busy with
        // this region, so the caller would wait for them to finish it before its own nested helpers could start)
        IN_REGION.set(Boolean.TRUE);
        try {
            worker.run();
        } finally {
            IN_REGION.set(Boolean.FALSE);
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeException(e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof Error er) throw er;
                throw new RuntimeException(c);
            }
        }
    }

    /** Runs body(i) for every i in [0, n), one index per task unit; use for coarse work items (rows, heads, images). */
    public static void forEach(int n, java.util.function.IntConsumer body) {
        forChunks(n, 1, (s, e) -> { for (int i = s; i < e; i++) body.accept(i); });
    }

    /** Grain that gives about {@code workPerChunk} scalar operations per chunk for items costing {@code costPerItem}. */
    public static int grain(long costPerItem, long workPerChunk) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, workPerChunk / Math.max(1, costPerItem)));
    }
}
