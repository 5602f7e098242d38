package svg.bench;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.parallel.Parallel;
import svg.tensor.simd.SimdBackend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One network, our forward against PyTorch's, alternating in one run. PyTorch runs in two server processes of
 * {@code benchmarks/vs_pytorch.py} (same architecture, random weights): one with the default OpenMP wait policy and
 * one with {@code OMP_WAIT_POLICY=PASSIVE}; every round times ours, then each PyTorch process once (the order
 * reverses every other round), and the medians are reported. The faster PyTorch mode is the one compared.
 *
 * <p>Prints details on stderr and one machine-readable line on stdout:
 * {@code ROW net ours_ms torch_ms torch_mode gflop ours_peak_rss_kB torch_peak_rss_kB}.
 *
 * <p>Usage: {@code VsPyTorch --net dino|dit|decoder|resvit [--threads 2] [--warmup 1] [--reps 5]
 * [--python /usr/bin/python3] [--script benchmarks/vs_pytorch.py]}.
 */
public final class VsPyTorch {
    private VsPyTorch() {}

    /** A PyTorch server process: "run" -> milliseconds, "rss" -> peak kB. */
    private static final class Torch implements AutoCloseable {
        final String mode;
        final Process proc;
        final BufferedReader in;
        final PrintWriter out;
        final List<Double> times = new ArrayList<>();
        final long params;

        Torch(String mode, String python, String script, String net, int threads) throws IOException {
            this.mode = mode;
            ProcessBuilder pb = new ProcessBuilder(python, script, net, "--threads", Integer.toString(threads));
            pb.environment().remove("OMP_WAIT_POLICY");
            if (mode.equals("passive")) pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            proc = pb.start();
            in = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintWriter(proc.getOutputStream(), true, StandardCharsets.UTF_8);
            String ready = read();
            if (!ready.startsWith("ready ")) throw new IOException("PyTorch (" + mode + ") did not start: " + ready);
            params = Long.parseLong(ready.substring(6).trim());
        }

        String read() throws IOException {
            String l = in.readLine();
            if (l == null) throw new IOException("PyTorch process (" + mode + ") exited (code " + waitExit() + ")");
            return l.trim();
        }

        private int waitExit() {
            try { return proc.waitFor(); } catch (InterruptedException e) { return -1; }
        }

        double run() throws IOException {
            out.println("run");
            return Double.parseDouble(read());
        }

        long peakRss() throws IOException {
            out.println("rss");
            return Long.parseLong(read());
        }

        @Override
        public void close() {
            out.println("quit");
            out.close();
            waitExit();
        }
    }

    public static void main(String[] args) throws Exception {
        String net = null, python = "/usr/bin/python3", script = "benchmarks/vs_pytorch.py";
        int threads = 2, warmup = 1, reps = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--net" -> net = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--python" -> python = args[++i];
                case "--script" -> script = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (net == null) throw new IllegalArgumentException("--net is required (dino, dit, decoder, resvit)");
        if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1");
        Parallel.setThreads(threads);
        int batch = Networks.defaultBatch(net);
        Networks.Bench b = Networks.build(net, batch, 42);
        b.module().eval();
        System.err.printf(Locale.ROOT, "# %s: %s; %d params; %s; %d threads; warm-up %d, %d timed rounds%n", net, b.title(),
                b.module().numParameters(), SimdBackend.describe(), threads, warmup, reps);

        List<Double> ours = new ArrayList<>();
        try (var g = GradMode.noGrad();
             Torch active = new Torch("default", python, script, net, threads);
             Torch passive = new Torch("passive", python, script, net, threads)) {
            if (active.params != b.module().numParameters())
                System.err.printf(Locale.ROOT, "# note: PyTorch model has %d params, ours %d%n", active.params, b.module().numParameters());
            for (int i = 0; i < warmup; i++) {
                check(b.forward().get());
                active.run();
                passive.run();
            }
            for (int r = 0; r < reps; r++) {
                if (r % 2 == 0) {
                    ours.add(timeOurs(b));
                    active.times.add(active.run());
                    passive.times.add(passive.run());
                } else {
                    passive.times.add(passive.run());
                    active.times.add(active.run());
                    ours.add(timeOurs(b));
                }
                System.err.printf(Locale.ROOT, "#   round %d: ours %.1f ms, torch default %.1f ms, torch passive %.1f ms%n", r + 1,
                        ours.getLast(), active.times.getLast(), passive.times.getLast());
            }
            double mo = median(ours), ma = median(active.times), mp = median(passive.times);
            Torch best = mp <= ma ? passive : active;
            double mt = Math.min(ma, mp);
            long rss = Networks.peakRssKb();
            long trss = best.peakRss();
            System.err.printf(Locale.ROOT, "# medians: ours %.1f ms, torch default %.1f ms, torch passive %.1f ms; peak RSS ours %d MB, torch (%s) %d MB%n",
                    mo, ma, mp, rss / 1024, best.mode, trss / 1024);
            System.out.printf(Locale.ROOT, "ROW %s %.3f %.3f %s %.4f %d %d%n", net, mo, mt, best.mode, b.flops() / 1e9, rss, trss);
        }
    }

    private static double timeOurs(Networks.Bench b) {
        long t0 = System.nanoTime();
        Tensor out = b.forward().get();
        double ms = (System.nanoTime() - t0) / 1e6;
        check(out);
        return ms;
    }

    /** A forward whose output is not finite is a broken benchmark, not a fast one. */
    private static void check(Tensor out) {
        float[] d = out.toArray();
        for (float v : d) if (!Float.isFinite(v)) throw new IllegalStateException("non-finite output " + Arrays.toString(out.shape()));
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }
}
