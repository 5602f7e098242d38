package svg.bench;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;
import svg.tensor.simd.SimdBackend;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The 3x3, stride-1 convolutions of the built-in decoder's training step at batch 32, one op at a time, on one thread,
 * timed by the thread's CPU time (stable on a shared machine): forward ({@code f}), input gradient ({@code i}) and
 * weight gradient ({@code w}). Prints the best of the timed calls per shape in GFLOP/s.
 *
 * <p>With {@code --threads T} the op runs on T kernel threads and each call is timed by the wall clock instead; the
 * best and the median call are printed (how well an op scales: compare T = 1 and 2 in wall time).
 *
 * <p>Usage: {@code ConvBench [f|i|w ...] [--iters 80] [--warmup 30] [--threads T] [--shape n,c,h,w,o]} (one shape
 * instead of the four; repeatable), e.g. {@code java --add-modules
 * jdk.incubator.vector -cp benchmarks/target/classes:svg-tensor/target/classes svg.bench.ConvBench w}.
 */
public final class ConvBench {
    private ConvBench() {}

    /** {n, c, h, w, o}: the decoder's 64-channel levels at 32x32, 16x16 and 8x8, and its 32-channel level. */
    static final int[][] SHAPES = {{32, 64, 32, 32, 64}, {32, 64, 16, 16, 64}, {32, 64, 8, 8, 64}, {32, 32, 32, 32, 32}};

    public static void main(String[] args) {
        String ops = "";
        int iters = 80, warm = 30, threads = 0;
        java.util.List<int[]> shapes = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--warmup" -> warm = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--shape" -> shapes.add(java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray());
                default -> ops += args[i];
            }
        }
        if (ops.isEmpty()) ops = "fiw";
        boolean wall = threads > 0;
        Parallel.setThreads(wall ? threads : 1);
        System.out.println("# " + Machine.describe() + "; " + (wall ? threads + " thread(s), wall clock" : "1 thread, CPU time"));
        SimdBackend cpu = new SimdBackend();
        Rng r = new Rng(1);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (char op : ops.toCharArray())
            for (int[] s : shapes.isEmpty() ? java.util.List.of(SHAPES) : shapes) {
                Tensor x = Tensor.randn(r, s[0], s[1], s[2], s[3]), g = Tensor.randn(r, s[0], s[4], s[2], s[3]);
                Tensor w = Tensor.randn(r, s[4], s[1], 3, 3);
                double flop = 2.0 * s[0] * s[1] * s[4] * 9 * s[2] * s[3], best = Double.MAX_VALUE;
                double[] times = new double[iters];
                for (int it = 0; it < warm + iters; it++) {
                    long t0 = wall ? System.nanoTime() : mx.getCurrentThreadCpuTime();
                    switch (op) {
                        case 'f' -> cpu.conv2d(x, w, null, 1, 1);
                        case 'i' -> cpu.conv2dBackwardInput(g, w, s[2], s[3], 1, 1);
                        case 'w' -> cpu.conv2dBackwardWeight(g, x, 3, 3, 1, 1);
                        default -> throw new IllegalArgumentException("op f, i or w, not " + op);
                    }
                    long t1 = wall ? System.nanoTime() : mx.getCurrentThreadCpuTime();
                    if (it >= warm) best = Math.min(best, times[it - warm] = (t1 - t0) / 1e9);
                }
                java.util.Arrays.sort(times);
                double median = times[iters / 2];
                System.out.printf(Locale.ROOT, "%s n=%d c=%d %dx%d o=%d: best %.2f ms, %.1f GFLOP/s; median %.2f ms, %.1f GFLOP/s%n",
                        op, s[0], s[1], s[2], s[3], s[4], best * 1e3, flop / best / 1e9, median * 1e3, flop / median / 1e9);
            }
    }
}
