package svg.bench;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;
import svg.tensor.simd.SimdBackend;

/**
 * Fused attention throughput of the CPU backend: q, k, v [1, H, T, 64] for T in {256, 1024} and H in {6, 16}.
 * FLOPs counted as 4 T^2 D per head (Q K^T and P V; the softmax is not counted). The ratio is to our GEMM's
 * GFLOP/s on 1024x1024x1024 measured in the same run, and an unfused baseline (matmul, softmax, matmul through the
 * same backend, materialising the T x T scores) is timed alongside.
 *
 * <p>Usage: {@code AttentionBench [--threads 2] [--seconds 2] [--cpu-time]} ({@code --cpu-time}: thread CPU clock,
 * only with {@code --threads 1}; see {@link GemmVsOpenBlas}).
 */
public final class AttentionBench {
    private AttentionBench() {}

    public static void main(String[] args) {
        int threads = 2;
        double seconds = 2;
        boolean cpuTime = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--cpu-time" -> cpuTime = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (cpuTime && threads != 1) throw new IllegalArgumentException("--cpu-time needs --threads 1");
        Parallel.setThreads(threads);
        GemmVsOpenBlas.setCpuTime(cpuTime);
        CPU = cpuTime;
        SimdBackend cpu = new SimdBackend();
        double gemm = GemmVsOpenBlas.measureOurs(new GemmVsOpenBlas.Shape(1024, 1024, 1024), seconds, true);
        System.out.println("# " + Machine.describe() + "; threads " + threads + "; " + (cpuTime ? "thread CPU time" : "wall clock") + ", best of runs");
        System.out.printf("GEMM 1024x1024x1024: %.1f GFLOP/s%n", gemm);
        System.out.printf("%-22s %12s %14s %12s %16s%n", "case [B,H,T,D]", "fused ms", "fused GFLOP/s", "vs GEMM", "unfused GFLOP/s");
        int d = 64;
        for (int t : new int[]{256, 1024})
            for (int h : new int[]{6, 16}) {
                Rng rng = new Rng(7);
                Tensor q = Tensor.randn(rng, 1, h, t, d), k = Tensor.randn(rng, 1, h, t, d), v = Tensor.randn(rng, 1, h, t, d);
                float scale = (float) (1 / Math.sqrt(d));
                double flops = 4.0 * h * t * (double) t * d;
                // warm-up first: the kernels are compiled (and recompiled as new vector classes load) over the first
                // seconds, and a measurement taken meanwhile says nothing about the steady state
                best(seconds, () -> cpu.attention(q, k, v, null, scale));
                double fused = best(seconds, () -> cpu.attention(q, k, v, null, scale));
                Tensor q3 = q.reshape(h, t, d), k3 = k.reshape(h, t, d), v3 = v.reshape(h, t, d);
                double unfused = best(seconds, () -> {
                    Tensor s = cpu.matmul(q3, false, k3, true);
                    Tensor p = cpu.softmax(s.reshape(h * t, t));
                    return cpu.matmul(p.reshape(h, t, t), false, v3, false);
                });
                double gf = flops / fused / 1e9;
                System.out.printf("%-22s %12.3f %14.1f %12.2f %16.1f%n", "[1," + h + "," + t + "," + d + "]", fused * 1e3, gf,
                        gf / gemm, flops / unfused / 1e9);
            }
    }

    private static boolean CPU;
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    private static long clock() { return CPU ? MX.getCurrentThreadCpuTime() : System.nanoTime(); }

    private static double best(double seconds, java.util.function.Supplier<Tensor> f) {
        f.get();
        double best = Double.POSITIVE_INFINITY;
        long t0 = System.nanoTime();
        int n = 0;
        while (n < 3 || (System.nanoTime() - t0) * 1e-9 < seconds) {
            long s = clock();
            f.get();
            best = Math.min(best, (clock() - s) * 1e-9);
            n++;
        }
        return best;
    }
}
