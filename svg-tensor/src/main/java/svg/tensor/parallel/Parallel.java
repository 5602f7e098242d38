package svg.tensor.parallel;


/**
 * The one threading policy of the project: one team of threads sized to the machine (or {@code svg.threads}).
 *
 * <p>The threads are a {@link Team}: workers that spin briefly between regions, because most regions are too short
 * to wait for a parked thread to wake up.
 *
 * <p>Work is split into index ranges whose boundaries depend only on the problem size and the grain, never on the
 * number of threads; each range is computed entirely by one thread. A kernel that keeps every reduction inside one
 * range therefore produces bit-identical results with 1 or N threads.
 */
public final class Parallel {
    private static volatile int threads = defaultThreads();
    private static Team team;
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
        if (n != threads && team != null) { team.stop(); team = null; }
        threads = n;
    }

    private static synchronized Team team() {
        if (team == null) team = new Team(threads - 1);
        return team;
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
        if (threads == 1 || chunks == 1 || IN_REGION.get() || Thread.currentThread().getName().equals("svg-kernel")) {
            inline(n, grain, chunks, body);
            return;
        }
        // the caller works too; a region nested in its chunks must not fan out again (the team is busy with this
        // region); a region started while another thread's region holds the team runs on its caller alone
        IN_REGION.set(Boolean.TRUE);
        try {
            if (!team().run(n, grain, chunks, body)) inline(n, grain, chunks, body);
        } finally {
            IN_REGION.set(Boolean.FALSE);
        }
    }

    private static void inline(int n, int grain, int chunks, RangeBody body) {
        for (int c = 0; c < chunks; c++) body.run(c * grain, Math.min(n, (c + 1) * grain));
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
