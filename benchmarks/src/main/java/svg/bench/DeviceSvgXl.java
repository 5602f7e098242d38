package svg.bench;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.flow.SamplerOptions;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.parallel.Parallel;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * SVG-XL on whatever backend {@code -Dsvg.backend} names (the GPU measurement of issue 6; benchmarks/gpu-tornado.sh
 * runs it with {@code tornado}), in one JVM so that TornadoVM compiles each plan once:
 * <ol>
 *   <li>the DiT forward of one CFG pair (batch 2, 256 tokens x 392 channels): the first call (compilation, weight
 *       upload) and the median of {@code --reps} more;</li>
 *   <li>a full {@code svg sample}-equivalent generation (25 Euler steps, CFG 4, then the decoder) of one 256x256
 *       image, twice: the first includes the decoder's compilation; sampler and decoder times are split by the
 *       progress callbacks;</li>
 *   <li>with {@code --cpu-check}: the same generation on the CPU backend in this JVM, and the largest pixel
 *       difference between the two images (the "same images up to a tolerance" check at full size).</li>
 * </ol>
 * Weights are random (the model of benchmarks/svgxl-sample.sh, built in memory: no files). {@code --small} swaps in
 * a tiny model to smoke-test the harness on PoCL. Lines starting with {@code RESULT} are the numbers.
 */
public final class DeviceSvgXl {
    private DeviceSvgXl() {}

    public static void main(String[] args) {
        int reps = 5, steps = 25, threads = Runtime.getRuntime().availableProcessors();
        boolean small = false, cpuCheck = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--small" -> small = true;
                case "--cpu-check" -> cpuCheck = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--reps N, --steps N, --threads T, --small, --cpu-check)");
            }
        }
        Parallel.setThreads(threads);
        Backend device = Backends.current();
        System.out.println("# backend: " + device.getClass().getName() + "; host threads " + threads);

        long t0 = System.nanoTime();
        SvgModel m = small ? smallModel() : RandomSvgXl.build(0);
        DiTConfig c = m.dit().config;
        System.out.printf(Locale.ROOT, "# model built in %.1f s: DiT %,d params (hidden %d, depth %d), autoencoder %,d params%n",
                secs(t0), m.dit().numParameters(), c.hidden_size(), c.depth(), m.autoencoder().numParameters());

        // 1. DiT forward of one CFG pair
        Rng rng = new Rng(7);
        int batch = 2;
        Tensor x = Tensor.randn(rng, batch, c.numTokens(), c.in_channels());
        float[] tv = new float[batch];
        Arrays.fill(tv, 0.3f);
        Tensor t = Tensor.of(tv, batch);
        int[] y = {small ? 1 : 207, c.nullClass()};
        double[] times = new double[Math.max(1, reps)];
        double first;
        try (var g = GradMode.noGrad()) {
            m.dit().eval();
            Thread watch = progressWatch(device);
            first = timeForward(m.dit(), x, t, y);
            watch.interrupt();
            System.out.printf(Locale.ROOT, "# dit forward 1 (compiles, uploads weights): %.1f ms%n", first);
            for (int r = 0; r < times.length; r++) {
                times[r] = timeForward(m.dit(), x, t, y);
                System.out.printf(Locale.ROOT, "# dit forward %d: %.1f ms%n", r + 2, times[r]);
            }
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        double gflop = batch * Networks.ditFlops(c) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT dit_forward batch %d: first %.1f ms, median of %d %.2f ms (min %.2f), %.3f GFLOP -> %.1f GFLOP/s%n",
                batch, first, times.length, median, sorted[0], gflop, gflop / (median / 1e3));

        // 2. generation: 25 steps with CFG, then decode
        SamplerOptions o = SamplerOptions.defaults().withSteps(steps).withCfg(4.0);
        int cls = small ? 1 : 207;
        Tensor img = null;
        for (int run = 1; run <= 2; run++) {
            Timed r = generate(m, cls, o);
            img = r.image;
            System.out.printf(Locale.ROOT, "RESULT sample run %d (%s): %d steps cfg 4: total %.0f ms = sampler %.0f ms (%.1f ms/step) + decode %.0f ms%n",
                    run, run == 1 ? "includes decoder compilation" : "warm", steps, r.totalMs, r.samplerMs, r.samplerMs / steps, r.decodeMs);
        }

        // 3. the same image on the CPU backend
        if (cpuCheck) {
            Backend prev = Backends.use(Backends.byName("cpu"));
            try {
                try (var g = GradMode.noGrad()) {
                    double cpuFirst = timeForward(m.dit(), x, t, y);
                    double cpuSecond = timeForward(m.dit(), x, t, y);
                    System.out.printf(Locale.ROOT, "RESULT cpu dit_forward batch %d (%d threads): first %.0f ms, second %.0f ms%n",
                            batch, threads, cpuFirst, cpuSecond);
                }
                Timed r = generate(m, cls, o);
                System.out.printf(Locale.ROOT, "RESULT cpu sample (%d threads): total %.0f ms = sampler %.0f ms + decode %.0f ms%n",
                        threads, r.totalMs, r.samplerMs, r.decodeMs);
                float[] a = img.toArray(), b = r.image.toArray();
                double worst = 0, sum = 0, spread = 0;
                for (int i = 0; i < a.length; i++) {
                    double d = Math.abs(a[i] - b[i]);
                    worst = Math.max(worst, d);
                    sum += d;
                    spread = Math.max(spread, Math.abs(b[i] - b[0]));
                }
                System.out.printf(Locale.ROOT, "RESULT image device vs cpu: max |diff| %.3e (%.2f of 255 levels), mean %.3e over %d values; image range spread %.3f%n",
                        worst, worst * 255, sum / a.length, a.length, spread);
            } finally {
                Backends.use(prev);
            }
        }
    }

    private record Timed(Tensor image, double totalMs, double samplerMs, double decodeMs) {}

    private static Timed generate(SvgModel m, int cls, SamplerOptions o) {
        long[] lastStep = {0};
        long t0 = System.nanoTime();
        Tensor img = m.generate(new int[]{cls}, o, 0, 1, (phase, done, total) -> {
            if (phase.equals("sample")) lastStep[0] = System.nanoTime();
        });
        float[] v = img.toArray();
        for (float f : v) if (!Float.isFinite(f)) throw new IllegalStateException("non-finite pixel");
        long t1 = System.nanoTime();
        return new Timed(img, (t1 - t0) / 1e6, (lastStep[0] - t0) / 1e6, (t1 - lastStep[0]) / 1e6);
    }

    private static double timeForward(DiT dit, Tensor x, Tensor t, int[] y) {
        long t0 = System.nanoTime();
        float[] out = dit.forward(x, t, y).toArray(); // reading the result waits for the device
        double ms = (System.nanoTime() - t0) / 1e6;
        for (float v : out) if (!Float.isFinite(v)) throw new IllegalStateException("non-finite DiT output");
        return ms;
    }

    /**
     * Prints every 15 s how long the first forward has run and, where the backend counts them (TornadoBackend's
     * {@code blockPlanCount}, found by reflection: this module does not depend on svg-tornado), how many block plans
     * exist: the first forward is where every plan is compiled, and a run cut off there should still say how far it got.
     */
    private static Thread progressWatch(Backend device) {
        long t0 = System.nanoTime();
        Thread th = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(15_000);
                    String plans = "";
                    try {
                        plans = ", block plans " + device.getClass().getMethod("blockPlanCount").invoke(device);
                    } catch (ReflectiveOperationException e) {
                        // a backend without plans
                    }
                    System.out.printf(Locale.ROOT, "#   first forward running for %.0f s%s%n", secs(t0), plans);
                }
            } catch (InterruptedException e) {
                // the forward returned
            }
        }, "progress-watch");
        th.setDaemon(true);
        th.start();
        return th;
    }

    private static double secs(long t0) { return (System.nanoTime() - t0) / 1e9; }

    /** A tiny model with the same structure, to try the harness where compiling SVG-XL would take too long. */
    static SvgModel smallModel() {
        Rng rng = new Rng(0);
        SvgAutoencoderConfig ae = new SvgAutoencoderConfig(DinoV3Config.VITS16PLUS.withSize(32, 1, 2),
                new ResidualViTConfig(32, 16, 1, 2, 32, 64, 4),
                new DecoderConfig(32, 3, new int[]{1, 1}, 1, new int[]{2}, 0, 4, 36, 3, true), 8, 0.1, true);
        DiT dit = new DiT(new DiTConfig(2, 1, 36, 64, 2, 4, 4.0, 0.1, 3, true, 0, true), rng);
        RandomSvgXl.nonZeroOutputs(dit, rng);
        return new SvgModel(dit, new SvgAutoencoder(ae, rng), null, List.of(), 32, SamplerOptions.defaults());
    }
}
