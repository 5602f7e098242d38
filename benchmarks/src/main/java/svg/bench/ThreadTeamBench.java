package svg.bench;

import svg.tensor.parallel.Parallel;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What two kernel threads cost on this machine, beside the work: (1) how long a cache line takes to travel between
 * two cores and back (two threads hand a counter back and forth), and (2) the wall time of a parallel region of two
 * chunks of a given length with 1 and 2 kernel threads ({@link Parallel#forChunks}), against the chunk length alone.
 * A region of two 16 us chunks should take 16 us on 2 threads; it took 57 us with the thread pool the project had
 * (slower than 1 thread, 32 us), because a parked pool thread took longer to wake up than the chunk took to run.
 *
 * <p>Usage: {@code ThreadTeamBench [--chunk-us 16] [--regions 20000]}.
 */
public final class ThreadTeamBench {
    private ThreadTeamBench() {}

    private static final AtomicLong BALL = new AtomicLong();
    private static volatile double sink;

    public static void main(String[] args) throws Exception {
        double chunkUs = 16;
        int regions = 20000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--chunk-us" -> chunkUs = Double.parseDouble(args[++i]);
                case "--regions" -> regions = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        System.out.println("# " + Machine.describe());
        System.out.printf(Locale.ROOT, "core-to-core round trip of a cache line: %.0f ns (median of 5)%n", pingPong());
        long spinNs = (long) (chunkUs * 1000);
        for (int threads : new int[]{1, 2, 1, 2}) {
            Parallel.setThreads(threads);
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < regions; r++)
                    Parallel.forChunks(2, 1, (s, e) -> {
                        long c0 = System.nanoTime();
                        double x = 0;
                        while (System.nanoTime() - c0 < spinNs) x += 1;
                        sink = x;
                    });
                best = Math.min(best, (System.nanoTime() - t0) / 1e3 / regions);
            }
            System.out.printf(Locale.ROOT, "region of 2 chunks of %.0f us, %d thread%s: %.1f us (ideal %.0f)%n", chunkUs, threads,
                    threads == 1 ? "" : "s", best, threads == 1 ? 2 * chunkUs : chunkUs);
        }
    }

    /** Median round trip in ns of a counter handed between two spinning threads. */
    private static double pingPong() throws InterruptedException {
        int n = 500_000;
        double[] r = new double[5];
        for (int k = 0; k < r.length; k++) {
            BALL.set(0);
            Thread other = new Thread(() -> {
                for (long i = 1; i < 2L * n; i += 2) {
                    while (BALL.get() != i) Thread.onSpinWait();
                    BALL.set(i + 1);
                }
            });
            other.start();
            long t0 = System.nanoTime();
            for (long i = 0; i < 2L * n; i += 2) {
                while (BALL.get() != i) Thread.onSpinWait();
                BALL.set(i + 1);
            }
            other.join();
            r[k] = (System.nanoTime() - t0) / (double) n;
        }
        java.util.Arrays.sort(r);
        return r[r.length / 2];
    }
}
