package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which of the models' blocks stay on the device as block plans, and which fall back to op by op (a host read
 * inside the block), on the small configurations of {@link ModelsOnTornadoTest}. Prints the counts that
 * docs/tornado.md reports; run with {@code -Dsvg.tornado.traceFallbacks=true} to see what made a block fall back.
 */
class BlockResidencyTest {
    private static void randomize(Module m, long seed) {
        Rng r = new Rng(seed);
        for (Tensor p : m.parameters()) Init.normal(p, r, 0, 0.2);
    }

    /** Runs {@code f} twice (the second run replays) and returns (runs, fallbacks, plans) of blocks named {@code name}. */
    private static int[] residency(String name, Supplier<Tensor> f) {
        TornadoBackend t = new TornadoBackend(null, true);
        Backend prev = Backends.use(t);
        try (var g = GradMode.noGrad()) {
            f.get().toArray();
            t.clearBlockTransfers();
            f.get().toArray();
            int[] r = {t.blockRuns(name), t.blockFallbacks(name), t.blockPlanCount()};
            System.out.printf("%s: %d block runs, %d fell back to op by op, %d block plans; those runs together: %s%n", name, r[0], r[1],
                    r[2], t.blockTransfers(name));
            DeviceMemory m = t.blockPlanMemory(name);
            System.out.printf("%s device memory: %s%n", name, m);
            assertTrue(m.intermediates() <= m.intermediatesUnshared());
            return r;
        } finally {
            Backends.use(prev);
            t.release();
        }
    }

    @Test
    void ditBlocksStayOnTheDevice() {
        DiT m = new DiT(new DiTConfig(8, 1, 6, 64, 2, 4, 4.0, 0.1, 10, true, 0, true), new Rng(1));
        randomize(m, 13);
        m.eval();
        Tensor x = Tensor.randn(new Rng(4), 3, 64, 6), time = Tensor.of(new float[]{0, 0.5f, 1}, 3);
        int[] r = residency(DiT.BLOCK_TAG, () -> m.forward(x, time, new int[]{0, 9, 10}));
        assertEquals(2, r[0]);
        assertEquals(0, r[1], "a DiT block needs no host read");
    }

    @Test
    void dinoV3BlocksStayOnTheDevice() {
        DinoV3Config c = new DinoV3Config(32, 8, 3, 100, "separate", 0, 64, 2, 2, 4, true, 1e-5, "layernorm", "mlp",
                true, true, 4, true);
        DinoVisionTransformer m = new DinoVisionTransformer(c, new Rng(1));
        randomize(m, 11);
        m.eval();
        Tensor x = Tensor.randn(new Rng(2), 2, 3, 32, 32);
        int[] r = residency(DinoVisionTransformer.BLOCK_TAG, () -> m.forwardFeatures(x).x_norm_patchtokens());
        assertEquals(2, r[0]);
        assertEquals(0, r[1], "a DINOv3 block (RoPE on the patch tokens, cat with the prefix tokens) needs no host read");
    }

    @Test
    void decoderBlocksStayOnTheDevice() {
        Decoder m = new Decoder(new DecoderConfig(32, 3, new int[]{1, 2}, 1, new int[]{4}, 0, 8, 12, 3, true), new Rng(1));
        randomize(m, 14);
        m.eval();
        Tensor z = Tensor.randn(new Rng(5), 2, 12, 4, 4);
        int[] r = residency(Decoder.BLOCK_TAG, () -> m.forward(z));
        assertTrue(r[0] > 0);
        assertEquals(0, r[1], "a decoder block needs no host read");
    }
}
