package svg.tornado;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViT;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.flow.SamplerOptions;
import svg.nn.module.Init;
import svg.nn.pipeline.LatentStats;
import svg.nn.pipeline.SvgModel;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same model code on the CPU SIMD backend and on TornadoVM: small DINOv3 encoder, residual ViT, DiT and LDM
 * decoder with random (non-official-init, so nothing is trivially zero) weights. Both backends compute in float32
 * with different summation orders, so outputs agree to float rounding, not bit for bit: the worst element's error
 * relative to the output's RMS must stay below {@link #TOL}.
 */
class ModelsOnTornadoTest {
    /** 1e-4 of the output RMS: a few hundred float32 ulps after ~10 layers of reductions. */
    static final double TOL = 1e-4;

    private static Backend tornado;
    private static final Backend cpu = Backends.byName("cpu");

    @BeforeAll
    static void create() { tornado = Backends.byName("tornado"); }

    private static void randomize(Module m, long seed) {
        Rng r = new Rng(seed);
        for (Tensor p : m.parameters()) Init.normal(p, r, 0, 0.2);
    }

    /** Runs {@code f} on both backends and compares; returns the relative error (for the report). */
    private static double compare(String what, Supplier<Tensor> f) {
        Tensor a, b;
        Backend prev = Backends.use(cpu);
        try (var g = GradMode.noGrad()) {
            a = f.get();
            Backends.use(tornado);
            b = f.get();
        } finally {
            Backends.use(prev);
        }
        assertArrayEquals(a.shape(), b.shape(), what + " shape");
        float[] x = a.toArray(), y = b.toArray();
        double ss = 0, worst = 0;
        for (float v : x) ss += (double) v * v;
        double rms = Math.sqrt(ss / x.length);
        for (int i = 0; i < x.length; i++) {
            assertTrue(Float.isFinite(y[i]), what + ": non-finite output at " + i);
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        double rel = worst / Math.max(rms, 1e-30);
        System.out.printf("%s: max |tornado - cpu| / rms = %.2e (rms %.3g, %d values)%n", what, rel, rms, x.length);
        assertTrue(rms > 1e-6, what + ": output is (near) zero, the comparison would prove nothing");
        assertTrue(rel < TOL, what + ": tornado differs from cpu by " + rel + " of the output RMS");
        return rel;
    }

    @Test
    void dinoV3Encoder() {
        DinoV3Config c = new DinoV3Config(32, 8, 3, 100, "separate", 0, 64, 2, 2, 4, true, 1e-5, "layernorm", "mlp",
                true, true, 4, true);
        DinoVisionTransformer m = new DinoVisionTransformer(c, new Rng(1));
        randomize(m, 11);
        m.eval();
        Tensor x = Tensor.randn(new Rng(2), 2, 3, 32, 32);
        compare("dinov3 patch tokens", () -> m.forwardFeatures(x).x_norm_patchtokens());
    }

    @Test
    void residualViT() {
        ResidualViT m = new ResidualViT(new ResidualViTConfig(32, 8, 2, 4, 64, 128, 8), new Rng(1));
        randomize(m, 12);
        m.eval();
        Tensor x = Tensor.randn(new Rng(3), 2, 3, 32, 32);
        compare("residual vit", () -> m.forward(x));
    }

    @Test
    void dit() {
        DiT m = new DiT(new DiTConfig(8, 1, 6, 64, 2, 4, 4.0, 0.1, 10, true, 0, true), new Rng(1));
        randomize(m, 13);
        m.eval();
        Tensor x = Tensor.randn(new Rng(4), 3, 64, 6), t = Tensor.of(new float[]{0, 0.5f, 1}, 3);
        compare("dit velocity", () -> m.forward(x, t, new int[]{0, 9, 10}));
    }

    /** The DiT with its Linear/Conv2d weights stored as bfloat16 (as {@code svg --bf16}): both backends use the same bits. */
    @Test
    void ditBf16() {
        DiT m = new DiT(new DiTConfig(8, 1, 6, 64, 2, 4, 4.0, 0.1, 10, true, 0, true), new Rng(1));
        randomize(m, 13);
        m.eval();
        assertTrue(svg.nn.module.Bf16Weights.convert(m) > 0, "some weights became bfloat16");
        Tensor x = Tensor.randn(new Rng(4), 3, 64, 6), t = Tensor.of(new float[]{0, 0.5f, 1}, 3);
        compare("dit velocity, bf16 weights", () -> m.forward(x, t, new int[]{0, 9, 10}));
    }

    /** The decoder with bfloat16 Conv2d weights (widened in the conv kernel on the device). */
    @Test
    void decoderBf16() {
        Decoder m = new Decoder(new DecoderConfig(32, 3, new int[]{1, 2}, 1, new int[]{4}, 0, 8, 12, 3, true), new Rng(1));
        randomize(m, 14);
        m.eval();
        assertTrue(svg.nn.module.Bf16Weights.convert(m) > 0, "some weights became bfloat16");
        Tensor z = Tensor.randn(new Rng(5), 2, 12, 4, 4);
        compare("decoder, bf16 weights", () -> m.forward(z));
    }

    @Test
    void decoder() {
        Decoder m = new Decoder(new DecoderConfig(32, 3, new int[]{1, 2}, 1, new int[]{4}, 0, 8, 12, 3, true), new Rng(1));
        randomize(m, 14);
        m.eval();
        Tensor z = Tensor.randn(new Rng(5), 2, 12, 4, 4);
        compare("decoder", () -> m.forward(z));
    }

    /**
     * The whole pipeline as {@code svg sample} and {@code svg reconstruct} run it, on a tiny random model (32 px,
     * 2x2 latent grid, 32 + 4 channels): 10 Euler steps with CFG 2 then decoding, and encode -> decode. Pixels are in
     * [0, 1]; they must agree within 1e-3 (a quarter of one 8-bit level).
     */
    @Test
    void samplingAndReconstructionPipeline() {
        SvgModel m = tinyModel();
        comparePixels("svg sample (10 steps, cfg 2)", () -> m.generate(new int[]{0, 1, 2}, m.sampling(), 42, 3, null));
        Tensor images = Tensor.rand(new Rng(9), 0f, 1f, 2, 3, 32, 32);
        comparePixels("svg reconstruct", () -> m.reconstruct(images));
    }

    /**
     * The command itself: the tiny model saved as a model directory, then {@code svg sample --device cpu} and
     * {@code svg sample --device tornado} write PNGs whose 8-bit pixels may differ by at most one level (a value
     * within 1e-3 can still round to the neighbouring level).
     */
    @Test
    void svgSampleCommandWithDeviceTornado(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        tinyModel().save(dir.resolve("model"));
        String[] common = {"sample", "--model", dir.resolve("model").toString(), "--class", "dog", "--n", "2",
                "--seed", "5", "--quiet"};
        java.nio.file.Path cpuPng = dir.resolve("cpu.png"), tornadoPng = dir.resolve("tornado.png");
        assertEquals(0, svg.app.SvgCommand.newCommandLine().execute(concat(common, "--device", "cpu", "--out", cpuPng.toString())));
        assertEquals(0, svg.app.SvgCommand.newCommandLine().execute(concat(common, "--device", "tornado", "--out", tornadoPng.toString())));
        var a = javax.imageio.ImageIO.read(cpuPng.toFile());
        var b = javax.imageio.ImageIO.read(tornadoPng.toFile());
        assertEquals(a.getWidth(), b.getWidth());
        assertEquals(a.getHeight(), b.getHeight());
        int worst = 0, differing = 0;
        for (int y = 0; y < a.getHeight(); y++)
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y), q = b.getRGB(x, y);
                for (int sh = 0; sh < 24; sh += 8) {
                    int d = Math.abs(((p >> sh) & 255) - ((q >> sh) & 255));
                    worst = Math.max(worst, d);
                    if (d != 0) differing++;
                }
            }
        System.out.printf("svg sample --device tornado vs cpu: %dx%d PNG, max 8-bit difference %d, %d channel values differ%n",
                a.getWidth(), a.getHeight(), worst, differing);
        assertTrue(worst <= 1, "PNG pixels differ by " + worst + " levels");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static SvgModel tinyModel() {
        SvgAutoencoderConfig ae = new SvgAutoencoderConfig(DinoV3Config.VITS16PLUS.withSize(32, 1, 2),
                new ResidualViTConfig(32, 16, 1, 2, 32, 64, 4),
                new DecoderConfig(32, 3, new int[]{1, 1}, 1, new int[]{2}, 0, 4, 36, 3, true), 8, 0.1, true);
        DiT dit = new DiT(new DiTConfig(2, 1, 36, 32, 1, 2, 4.0, 0.1, 3, true, 0, true), null);
        SvgAutoencoder auto = new SvgAutoencoder(ae, null);
        randomize(dit, 21);
        randomize(auto, 22);
        Rng r = new Rng(1);
        LatentStats stats = new LatentStats(Tensor.randn(r, 1, 1, 36).mul(0.3f), Tensor.rand(r, 0.5f, 2f, 1, 1, 36));
        return new SvgModel(dit, auto, stats, List.of("cat", "dog", "dogfish"), 32,
                SamplerOptions.defaults().withSteps(10).withCfg(2.0));
    }

    private static void comparePixels(String what, Supplier<Tensor> f) {
        Tensor a, b;
        Backend prev = Backends.use(cpu);
        try {
            a = f.get();
            Backends.use(tornado);
            b = f.get();
        } finally {
            Backends.use(prev);
        }
        assertArrayEquals(a.shape(), b.shape(), what + " shape");
        float[] x = a.toArray(), y = b.toArray();
        double worst = 0, spread = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
            spread = Math.max(spread, Math.abs(x[i] - x[0]));
        }
        System.out.printf("%s: max |tornado - cpu| pixel difference = %.2e over %d values%n", what, worst, x.length);
        assertTrue(spread > 1e-3, what + ": a constant image would prove nothing");
        assertTrue(worst < 1e-3, what + ": pixels differ by " + worst);
    }
}
