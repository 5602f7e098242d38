package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.module.Init;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host <-> device traffic of one DiT forward (one sampling step: 2 images with classifier-free guidance, so batch
 * 4) on TornadoVM, per block and per step, after a warm-up forward that compiles the plans and uploads the weights.
 * Prints the numbers that docs/tornado.md reports and checks the accounting itself: every DiT block goes through
 * {@code Tensor.block}, every launch copies its output back, and warm steps upload no weights again.
 */
class BlockTransfersTest {
    @Test
    void ditStepTraffic() {
        DiTConfig cfg = new DiTConfig(8, 1, 8, 128, 4, 4, 4.0, 0.1, 10, true, 0, true); // 64 tokens, D 128, 4 blocks
        DiT m = new DiT(cfg, new Rng(1));
        Rng r = new Rng(3);
        m.parameters().forEach(p -> Init.normal(p, r, 0, 0.2));
        m.eval();
        Tensor x = Tensor.randn(new Rng(4), 4, 64, 8), time = Tensor.of(new float[]{0.3f, 0.3f, 0.3f, 0.3f}, 4);
        int[] y = {1, 2, 10, 10};
        float[] opByOp = measure(new TornadoBackend(null, false), "op by op (-Dsvg.tornado.blockPlans=false)", m, cfg, x, time, y);
        float[] blocks = measure(new TornadoBackend(null, true), "block plans (default)", m, cfg, x, time, y);
        double worst = 0, rms = 0;
        for (int i = 0; i < opByOp.length; i++) {
            worst = Math.max(worst, Math.abs(opByOp[i] - blocks[i]));
            rms += (double) opByOp[i] * opByOp[i];
        }
        rms = Math.sqrt(rms / opByOp.length);
        System.out.printf("  block plans vs op by op: max abs difference %.2g (output RMS %.3g)%n", worst, rms);
        assertTrue(worst <= 1e-5 * rms, "block plans change the result: " + worst);
    }

    private static float[] measure(TornadoBackend t, String what, DiT m, DiTConfig cfg, Tensor x, Tensor time, int[] y) {
        Backend prev = Backends.use(t);
        try (var g = GradMode.noGrad()) {
            m.forward(x, time, y).toArray(); // compiles and uploads weights
            t.clearBlockTransfers();
            int steps = 3;
            Transfers before = t.transfers();
            float[] out = null;
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) out = m.forward(x, time, y).toArray();
            double ms = (System.nanoTime() - t0) / 1e6 / steps;
            Transfers step = t.transfers().minus(before), blocks = t.blockTransfers(DiT.BLOCK_TAG);
            assertEquals(steps * cfg.depth(), t.blockRuns(DiT.BLOCK_TAG), "every DiT block runs as a Tensor.block");
            int n = steps * cfg.depth();
            System.out.printf("DiT step (batch 4, 64 tokens, D 128, depth 4) on %s, %s: %.1f ms/step%n", t.deviceName(), what, ms);
            System.out.printf("  per step:  %s%n", scale(step, steps));
            System.out.printf("  per block: %s%n", scale(blocks, n));
            System.out.printf("  all %d block runs: %s%n", n, blocks);
            assertTrue(blocks.launches() > 0 && blocks.launches() <= step.launches());
            if (what.startsWith("op by op")) {
                assertEquals(step.launches(), step.toHost(), "op by op: one copy back per launch");
            } else {
                // a block's only copy back is its result, read by the next block (the last one's by the final
                // layer, outside the blocks); nothing else a block computes visits the host
                assertEquals((long) (cfg.depth() - 1) * steps, blocks.toHost(), "block plans: one copy back per block result");
                assertEquals(cfg.depth(), t.blockPlanCount(), "one plan per DiT block (each has its own weights)");
                assertTrue(blocks.toDevice() < n * 10L, "block plans: only the block inputs travel");
            }
            return out;
        } finally {
            Backends.use(prev);
            t.release();
        }
    }

    private static Transfers scale(Transfers t, int n) {
        return new Transfers(t.launches() / n, t.toDevice() / n, t.toDeviceBytes() / n, t.toHost() / n, t.toHostBytes() / n,
                t.reuploads() / n, t.reuploadBytes() / n);
    }
}
