package svg.tornado;

import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.flow.FlowSampler;
import svg.nn.flow.SamplerOptions;
import svg.nn.module.Init;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The GPU-less check of issue 17 (benchmarks/tornado-traffic.sh runs it): host <-> device traffic and compiled
 * kernels of warm Euler sampling steps with classifier-free guidance on the TornadoVM backend, counted by the
 * backend itself ({@link TornadoBackend#transfers()}, {@link TornadoBackend#kernelsCompiled()}), so the numbers do
 * not depend on the device (PoCL on a CPU gives the same bytes as a GPU).
 *
 * <p>The model is DiT-B sized at SVG's latent shape ({@link DiTConfig#B}: hidden 768, 12 blocks, 12 heads, 16x16
 * tokens of 392 channels, patch 1) with N(0, 0.02) random weights; one image, so each step is one forward of
 * batch 2 (the CFG pair). A first, cold sampling run of {@code --steps} steps compiles the plans and uploads the
 * weights; the second run is measured. The last line is
 * {@code per step: to-device X bytes, to-host Y bytes, kernels compiled K}: X and Y are the warm steps' traffic
 * divided by the steps, K all the kernels compiled since the backend started (all of them in the cold run; a warm
 * step compiles none, which the line before it shows). The lines before say where a warm step's bytes come from: the
 * DiT blocks' plans (and how many block runs took their input on the device, chained), and each kernel run op by op
 * outside them, by output length ({@link TornadoBackend#opTransfers()}).
 *
 * <p>Options: {@code --steps N} (3), {@code --small} (hidden 64, 2 blocks, 8x8 tokens of 8 channels: a quick smoke
 * test of the harness).
 */
public final class TrafficBench {
    private TrafficBench() {}

    public static void main(String[] args) {
        int steps = 3;
        boolean small = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--small" -> small = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--steps N, --small)");
            }
        }
        DiTConfig cfg = small ? new DiTConfig(8, 1, 8, 64, 2, 4, 4.0, 0.1, 10, true, 0, true) : DiTConfig.B;
        System.out.println("# host CPU: " + cpuName() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println("# TornadoVM devices: " + TornadoProbe.devices());
        TornadoBackend t = new TornadoBackend(null);
        System.out.println("# backend: " + t + " (block plans " + !"false".equals(System.getProperty("svg.tornado.blockPlans")) + ")");

        long t0 = System.nanoTime();
        DiT m = new DiT(cfg, new Rng(1));
        Rng r = new Rng(3);
        m.parameters().forEach(p -> Init.normal(p, r, 0, 0.02));
        m.eval();
        int tokens = cfg.input_size() * cfg.input_size();
        System.out.printf(Locale.ROOT, "# model: DiT hidden %d, depth %d, heads %d, %d tokens x %d channels, %,d parameters"
                        + " (%.1f MB float32), random weights, built in %.1f s%n", cfg.hidden_size(), cfg.depth(), cfg.num_heads(),
                tokens, cfg.in_channels(), m.numParameters(), 4e-6 * m.numParameters(), (System.nanoTime() - t0) / 1e9);
        Tensor z = Tensor.randn(new Rng(4), 1, tokens, cfg.in_channels());
        int[] y = {1}, yNull = {cfg.nullClass()};
        SamplerOptions o = SamplerOptions.defaults().withSteps(steps).withCfg(4.0);
        System.out.printf(Locale.ROOT, "# sampling: %d Euler steps, cfg %.1f (constant), 1 image: one forward of batch 2 per step%n",
                steps, o.cfg());

        Backend prev = Backends.use(t);
        try {
            double cold = run(m, z, y, yNull, o);
            Transfers afterCold = t.transfers();
            long comparedCold = t.weightBytesCompared();
            long compiledCold = t.kernelsCompiled();
            java.util.Map<String, Transfers> opsCold = t.opTransfers();
            Transfers blocksCold = t.blockTransfers(DiT.BLOCK_TAG);
            long chainedCold = t.chainedBlockRuns();
            System.out.printf(Locale.ROOT, "# cold run (compiles, uploads weights): %.1f s, %d kernels compiled, %s%n",
                    cold / 1e3, compiledCold, afterCold);
            double warm = run(m, z, y, yNull, o);
            Transfers d = t.transfers().minus(afterCold);
            long compiledWarm = t.kernelsCompiled() - compiledCold;
            System.out.printf(Locale.ROOT, "# warm run: %.1f s, %.1f ms per step; per step %d launches, %d copies to device,"
                            + " %d to host; kernels compiled in the warm run %d; weight bytes compared with the host %d%n",
                    warm / 1e3, warm / steps, d.launches() / steps, d.toDevice() / steps, d.toHost() / steps, compiledWarm,
                    (t.weightBytesCompared() - comparedCold) / steps);
            // where the warm bytes come from: the block plans, and the launches outside them (op by op) per kernel
            Transfers blocks = t.blockTransfers(DiT.BLOCK_TAG).minus(blocksCold);
            System.out.printf(Locale.ROOT, "# per step, %s blocks: to-device %d bytes, to-host %d bytes (%d of %d block runs "
                            + "chained on the device)%n", DiT.BLOCK_TAG, blocks.toDeviceBytes() / steps, blocks.toHostBytes() / steps,
                    (t.chainedBlockRuns() - chainedCold) / steps, cfg.depth());
            java.util.List<java.util.Map.Entry<String, Transfers>> ops = new java.util.ArrayList<>();
            for (var e : t.opTransfers().entrySet())
                ops.add(java.util.Map.entry(e.getKey(), e.getValue().minus(opsCold.getOrDefault(e.getKey(), Transfers.ZERO))));
            ops.removeIf(e -> e.getValue().launches() == 0);
            ops.sort((a, b) -> Long.compare(b.getValue().toDeviceBytes() + b.getValue().toHostBytes(),
                    a.getValue().toDeviceBytes() + a.getValue().toHostBytes()));
            for (var e : ops)
                System.out.printf(Locale.ROOT, "# per step, op by op, %s: %d launches, to-device %d bytes, to-host %d bytes%n",
                        e.getKey(), e.getValue().launches() / steps, e.getValue().toDeviceBytes() / steps, e.getValue().toHostBytes() / steps);
            System.out.printf(Locale.ROOT, "per step: to-device %d bytes, to-host %d bytes, kernels compiled %d%n",
                    d.toDeviceBytes() / steps, d.toHostBytes() / steps, t.kernelsCompiled());
        } finally {
            Backends.use(prev);
            t.release();
        }
    }

    /** One sampling run; its time in ms (the sample is read back, so the device work is done). */
    private static double run(DiT m, Tensor z, int[] y, int[] yNull, SamplerOptions o) {
        long t0 = System.nanoTime();
        float[] out = FlowSampler.sample(m::velocity, z, y, yNull, o, null, null).sample().toArray();
        double ms = (System.nanoTime() - t0) / 1e6;
        for (float f : out) if (!Float.isFinite(f)) throw new IllegalStateException("non-finite sample value");
        return ms;
    }

    private static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
        } catch (Exception e) {
            // not Linux: the architecture is all we say
        }
        return System.getProperty("os.arch");
    }
}
