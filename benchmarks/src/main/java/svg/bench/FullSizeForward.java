package svg.bench;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.parallel.Parallel;

import java.util.Locale;

/**
 * One full-size network with random weights: parameter count, then two 256x256 forwards (the first includes JIT
 * warm-up), with wall time, GFLOP/s of the second and the process's peak resident set. Run one network per JVM
 * (benchmarks/full-size.sh) so that the peak belongs to that network alone.
 *
 * <p>Usage: {@code FullSizeForward --net dino|dit|decoder|resvit [--batch 1] [--threads 2] [--reps 1]}; prints
 * {@code FULL net params batch first_ms second_ms gflop peak_rss_kB} on stdout. With {@code --reps R > 1} the
 * steady-state forward runs R times (each printed on stderr) and "second" is their median: a loop to attach a
 * profiler to, or to compare one network quickly while iterating on a kernel.
 */
public final class FullSizeForward {
    private FullSizeForward() {}

    public static void main(String[] args) {
        String net = null;
        int batch = 1, threads = 2, reps = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--net" -> net = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (net == null) throw new IllegalArgumentException("--net is required (dino, dit, decoder, resvit)");
        Parallel.setThreads(threads);
        long t0 = System.nanoTime();
        Networks.Bench b = Networks.build(net, batch, 7);
        b.module().eval();
        double buildS = (System.nanoTime() - t0) / 1e9;
        double first, second;
        try (var g = GradMode.noGrad()) {
            first = time(b);
            double[] t = new double[Math.max(1, reps)];
            for (int r = 0; r < t.length; r++) {
                t[r] = time(b);
                if (reps > 1) System.err.printf(Locale.ROOT, "#   forward %d: %.0f ms%n", r + 2, t[r]);
            }
            java.util.Arrays.sort(t);
            second = t[t.length / 2];
        }
        System.err.printf(Locale.ROOT, "# %s: %,d params, built in %.1f s; forward %.0f ms (first), %.0f ms (second), %.1f GFLOP/s; peak RSS %d MB%n",
                b.title(), b.module().numParameters(), buildS, first, second, b.flops() / 1e9 / (second / 1e3), Networks.peakRssKb() / 1024);
        System.out.printf(Locale.ROOT, "FULL %s %d %d %.1f %.1f %.3f %d%n", net, b.module().numParameters(), batch, first, second,
                b.flops() / 1e9, Networks.peakRssKb());
    }

    private static double time(Networks.Bench b) {
        long t0 = System.nanoTime();
        Tensor out = b.forward().get();
        double ms = (System.nanoTime() - t0) / 1e6;
        for (float v : out.toArray()) if (!Float.isFinite(v)) throw new IllegalStateException("non-finite output");
        return ms;
    }
}
