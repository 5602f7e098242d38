package svg.tornado;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViT;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    @Test
    void decoder() {
        Decoder m = new Decoder(new DecoderConfig(32, 3, new int[]{1, 2}, 1, new int[]{4}, 0, 8, 12, 3, true), new Rng(1));
        randomize(m, 14);
        m.eval();
        Tensor z = Tensor.randn(new Rng(5), 2, 12, 4, 4);
        compare("decoder", () -> m.forward(z));
    }
}
