package svg.bench;

import svg.tensor.parallel.Parallel;
import svg.tensor.simd.SimdBackend;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Our GEMM against OpenBLAS, measured alternately in one run: each round times every shape with our
 * {@link SimdBackend#sgemm} in this JVM, then with the C harness (benchmarks/openblas/sgemm_bench.c, run as a child
 * process with OPENBLAS_NUM_THREADS set), and the best GFLOP/s of each side over all rounds is kept. Alternating keeps
 * both sides under the same machine load, which matters on a shared machine.
 *
 * <p>{@code --cpu-time} (only with {@code --threads 1}) times both sides with the calling thread's CPU clock
 * instead of the wall clock: a per-core comparison of the kernels that time spent descheduled on a busy shared
 * machine does not distort.
 *
 * <p>Usage: {@code GemmVsOpenBlas <sgemm_bench binary> [--threads 2] [--rounds 3] [--seconds 1.5] [--cpu-time] [MxNxK ...]}.
 */
public final class GemmVsOpenBlas {
    private GemmVsOpenBlas() {}

    record Shape(int m, int n, int k) {
        static Shape parse(String s) {
            String[] p = s.toLowerCase().split("x");
            if (p.length != 3) throw new IllegalArgumentException("shape must be MxNxK, got " + s);
            return new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        }

        double flops() { return 2.0 * m * n * k; }

        @Override
        public String toString() { return m + "x" + n + "x" + k; }
    }

    static final List<String> DEFAULT_SHAPES = List.of("1024x1024x1024", "2048x2048x2048", "256x1536x384",
            "256x384x1536", "512x4608x1152", "512x1152x4608");

    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("usage: GemmVsOpenBlas <sgemm_bench> [--threads T] [--rounds R] [--seconds S] [MxNxK ...]");
        String cHarness = args[0];
        int threads = 2, rounds = 3;
        double seconds = 1.5;
        boolean cpuTime = false;
        List<Shape> shapes = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--cpu-time" -> cpuTime = true;
                default -> shapes.add(Shape.parse(args[i]));
            }
        }
        if (shapes.isEmpty()) DEFAULT_SHAPES.forEach(s -> shapes.add(Shape.parse(s)));
        if (cpuTime && threads != 1) throw new IllegalArgumentException("--cpu-time needs --threads 1");
        Parallel.setThreads(threads);
        CPU_TIME = cpuTime;
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        System.out.println("# " + Machine.describe() + "; OpenBLAS core "
                + (coretype == null || coretype.isEmpty() ? "auto" : coretype));
        System.out.println("# threads " + threads + "; rounds " + rounds + " x " + seconds
                + " s per side and shape; " + (cpuTime ? "thread CPU time" : "wall clock") + ", best of all rounds");
        double[] ours = new double[shapes.size()], theirs = new double[shapes.size()];
        // warm-up (also checks results): until the JIT has compiled the kernels, Vector API code is very slow
        for (Shape s : shapes) measureOurs(s, 1.0, true);
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < shapes.size(); i++) {
                Shape s = shapes.get(i);
                ours[i] = Math.max(ours[i], measureOurs(s, seconds, false));
                theirs[i] = Math.max(theirs[i], measureOpenBlas(cHarness, s, seconds, threads));
                System.err.printf("round %d %-16s ours %7.1f  openblas %7.1f GFLOP/s%n", r + 1, s, ours[i], theirs[i]);
            }
        }
        System.out.printf("%-16s %14s %18s %8s%n", "shape MxNxK", "ours GFLOP/s", "OpenBLAS GFLOP/s", "ratio");
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < shapes.size(); i++) {
            double ratio = ours[i] / theirs[i];
            min = Math.min(min, ratio);
            System.out.printf("%-16s %14.1f %18.1f %8.3f%n", shapes.get(i), ours[i], theirs[i], ratio);
        }
        System.out.printf("min ratio ours/openblas: %.3f%n", min);
    }


    private static boolean CPU_TIME;
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    static void setCpuTime(boolean on) { CPU_TIME = on; }

    private static long clock() { return CPU_TIME ? MX.getCurrentThreadCpuTime() : System.nanoTime(); }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = r.nextFloat() * 2 - 1;
        return d;
    }

    /** Best GFLOP/s of C += A B over the time budget; on the first round also checks a few entries. */
    static double measureOurs(Shape s, double seconds, boolean check) {
        float[] a = random(s.m * s.k, 1), b = random(s.k * s.n, 2), c = new float[s.m * s.n];
        SimdBackend.sgemm(s.m, s.n, s.k, a, 0, s.k, false, b, 0, s.n, false, c, 0, s.n);
        if (check) {
            Random r = new Random(3);
            for (int t = 0; t < 20; t++) {
                int i = r.nextInt(s.m), j = r.nextInt(s.n);
                double want = 0;
                for (int p = 0; p < s.k; p++) want += (double) a[i * s.k + p] * b[p * s.n + j];
                if (Math.abs(want - c[i * s.n + j]) > 1e-3 * Math.sqrt(s.k))
                    throw new IllegalStateException("wrong GEMM result at " + s + " (" + i + "," + j + "): " + c[i * s.n + j] + " vs " + want);
            }
        }
        double best = Double.POSITIVE_INFINITY;
        long t0 = System.nanoTime();
        int iters = 0;
        while (iters < 3 || (System.nanoTime() - t0) * 1e-9 < seconds) {
            long st = clock();
            SimdBackend.sgemm(s.m, s.n, s.k, a, 0, s.k, false, b, 0, s.n, false, c, 0, s.n);
            best = Math.min(best, (clock() - st) * 1e-9);
            iters++;
        }
        return s.flops() / best / 1e9;
    }

    static double measureOpenBlas(String harness, Shape s, double seconds, int threads) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(harness, "" + s.m, "" + s.n, "" + s.k, "" + seconds);
        pb.environment().put("OPENBLAS_NUM_THREADS", "" + threads);
        if (CPU_TIME) pb.environment().put("SGEMM_CPU_TIME", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            out = String.join("\n", r.lines().toList());
        }
        if (p.waitFor() != 0 || !out.startsWith("gflops ")) throw new IllegalStateException("OpenBLAS harness failed: " + out);
        return Double.parseDouble(out.split("\\s+")[1]);
    }
}
