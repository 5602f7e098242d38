package svg.tornado;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.module.Init;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.simd.SimdBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device memory of block plans, with and without reusing dead intermediates' buffers inside a plan: the bytes
 * (printed; docs/tornado.md reports them) and that reuse changes no bit of the result. The DiT-XL-sized block runs
 * only with {@code -Dsvg.tornado.ditXl=true} ({@code -Dsvg.tornado.ditXlDepth=N}, {@code -Dsvg.tornado.ditXlBatch=B};
 * defaults 1 and 2).
 */
class BlockMemoryTest {
    private static final Tensor W = Tensor.randn(new Rng(1), 48, 16), B = Tensor.randn(new Rng(2), 48);

    /** A chain whose first two values are dead before the last two launches: their buffers are reused. */
    private static Tensor chain(Tensor x, Tensor[] mid) {
        Tensor h = x.linear(W, B);
        mid[0] = h.gelu();
        return mid[0].neg().tanh().sigmoid();
    }

    @Test
    void reusedIntermediatesAreGoneTheResultIsRight() {
        Tensor x = Tensor.randn(new Rng(3), 2, 5, 16);
        Tensor[] cpuMid = new Tensor[1];
        float[] want, wantMid;
        Backend prev = Backends.use(new SimdBackend());
        try (var g = GradMode.noGrad()) {
            want = chain(x, cpuMid).toArray();
            wantMid = cpuMid[0].toArray();
        } finally {
            Backends.use(prev);
        }
        for (boolean reuse : new boolean[]{false, true}) {
            TornadoBackend t = new TornadoBackend(null, true, 1, reuse);
            prev = Backends.use(t);
            try (var g = GradMode.noGrad()) {
                Tensor[] mid = new Tensor[1];
                Tensor r = Tensor.block("chain", () -> chain(x, mid));
                assertArrayClose(want, r.toArray());
                DeviceMemory m = t.blockPlanMemory("chain");
                System.out.printf("chain (5 launches of [2, 5, 48]), buffer reuse %s: %s%n", reuse, m);
                assertEquals(1, m.plans());
                assertEquals(5 * 4 * 2 * 5 * 48, m.intermediatesUnshared());
                if (reuse) {
                    // linear -> b0, gelu -> b1, neg -> b0 (linear's output is dead), tanh -> b1, sigmoid (result) -> b0;
                    // two values are live at once at every launch (its input and its output)
                    assertEquals(2 * 4 * 2 * 5 * 48, m.intermediates());
                    assertEquals(2 * 4 * 2 * 5 * 48, m.intermediatesPeak());
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> mid[0].toArray());
                    assertTrue(e.getMessage().contains("block 'chain'") && e.getMessage().contains("reused"), e.getMessage());
                } else {
                    assertEquals(m.intermediatesUnshared(), m.intermediates());
                    assertArrayClose(wantMid, mid[0].toArray()); // kept until the plan runs again
                }
                assertEquals(m, t.blockPlanMemory());
            } finally {
                Backends.use(prev);
                t.release();
            }
        }
    }

    private static void assertArrayClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), "element " + i);
    }

    @Test
    void smallDiTBlocks() {
        // the DiT of BlockTransfersTest: 64 tokens, hidden 128, 4 heads, QK-norm; batch 4 (2 images with CFG)
        measureDiT(new DiTConfig(8, 1, 8, 128, 2, 4, 4.0, 0.1, 10, true, 0, true), 4, 0.2);
    }

    @Test
    @EnabledIfSystemProperty(named = "svg.tornado.ditXl", matches = "true")
    void ditXlBlock() {
        // DiT-XL's block: hidden 1152, 16 heads, 256 tokens (16x16), batch 2 (one CFG pair); SVG-XL's 392 channels
        int depth = Integer.getInteger("svg.tornado.ditXlDepth", 1), batch = Integer.getInteger("svg.tornado.ditXlBatch", 2);
        measureDiT(new DiTConfig(16, 1, 392, 1152, depth, 16, 4.0, 0.1, 1000, true, 0, true), batch, 0.02);
    }

    /**
     * Cross-block residency without anything from TornadoVM: when the caller marks the whole forward as one block,
     * the DiT blocks (nested blocks) become part of one plan (of several when the forward has more launches than a
     * TornadoVM graph holds), each block's result goes to the next on the device, and buffer reuse spans the blocks.
     * Same bits as a plan per block, no fallback; with one plan nothing is copied back but the forward's output.
     */
    @Test
    void wholeForwardAsOneBlock() {
        // depth 6: ~170 launches, more than one TornadoVM graph holds (Blocks.MAX_PLAN_LAUNCHES), so the
        // forward is cut into two plans and the second takes the values it needs from the first through the host
        int depth = Integer.getInteger("svg.tornado.forwardDepth", 6);
        DiTConfig cfg = new DiTConfig(8, 1, 8, 128, depth, 4, 4.0, 0.1, 10, true, 0, true);
        DiT m = new DiT(cfg, new Rng(1));
        Rng r = new Rng(3);
        m.parameters().forEach(p -> Init.normal(p, r, 0, 0.2));
        m.eval();
        Tensor x = Tensor.randn(new Rng(4), 4, 64, 8), time = Tensor.of(new float[]{0.3f, 0.3f, 0.3f, 0.3f}, 4);
        int[] y = {1, 2, 10, 10};
        float[][] out = new float[2][];
        for (int k = 0; k < 2; k++) {
            boolean whole = k == 1;
            TornadoBackend t = new TornadoBackend(null, true, 1, true);
            Backend prev = Backends.use(t);
            try (var g = GradMode.noGrad()) {
                long t0 = System.nanoTime();
                for (int rep = 0; rep < 2; rep++) // the second forward replays the plans
                    out[k] = whole ? Tensor.block("dit.forward", () -> m.forward(x, time, y)).toArray()
                            : m.forward(x, time, y).toArray();
                String name = whole ? "dit.forward" : DiT.BLOCK_TAG;
                DeviceMemory mem = t.blockPlanMemory(name);
                System.out.printf("DiT (hidden %d, depth %d, batch 4), %s, 2 forwards %.1f s: %s; block traffic: %s%n",
                        cfg.hidden_size(), depth, whole ? "whole forward as one block" : "a plan per DiT block",
                        (System.nanoTime() - t0) / 1e9, mem, t.blockTransfers(name));
                assertEquals(0, t.blockFallbacks(name));
                long launches = t.blockTransfers(name).launches() / 2;
                int plans = (int) ((launches + Blocks.MAX_PLAN_LAUNCHES - 1) / Blocks.MAX_PLAN_LAUNCHES);
                assertEquals(whole ? plans : depth, t.blockPlanCount());
                if (whole && plans == 1) assertEquals(0, t.blockTransfers(name).toHost(), "nothing leaves the device inside the forward");
            } finally {
                Backends.use(prev);
                t.release();
            }
        }
        int[] a = new int[out[0].length], b = new int[out[1].length];
        for (int i = 0; i < a.length; i++) a[i] = Float.floatToRawIntBits(out[0][i]);
        for (int i = 0; i < b.length; i++) b[i] = Float.floatToRawIntBits(out[1][i]);
        assertArrayEquals(a, b, "one plan for the forward must give the bits of a plan per block");
    }

    /** One forward with and without buffer reuse: the same bits out, and the block plans' device bytes of each. */
    private static void measureDiT(DiTConfig cfg, int batch, double std) {
        DiTCase c = DiTCase.of(cfg, batch, std);
        DiT m = c.model();
        Tensor x = c.x(), time = c.time();
        int[] y = c.y();
        int tokens = cfg.input_size() * cfg.input_size();
        float[][] out = new float[2][];
        DeviceMemory[] mem = new DeviceMemory[2];
        for (int k = 0; k < 2; k++) {
            boolean reuse = k == 1;
            TornadoBackend t = new TornadoBackend(null, true, 1, reuse);
            Backend prev = Backends.use(t);
            try (var g = GradMode.noGrad()) {
                long t0 = System.nanoTime();
                out[k] = m.forward(x, time, y).toArray();
                mem[k] = t.blockPlanMemory(DiT.BLOCK_TAG);
                assertEquals(0, t.blockFallbacks(DiT.BLOCK_TAG));
                assertEquals(cfg.depth(), mem[k].plans());
                System.out.printf("DiT (hidden %d, %d heads, %d tokens, batch %d, depth %d), buffer reuse %s, %.1f s: "
                                + "per block %.2f MiB of intermediates (%.2f MiB one buffer per launch), all blocks: %s%n",
                        cfg.hidden_size(), cfg.num_heads(), tokens, batch, cfg.depth(), reuse, (System.nanoTime() - t0) / 1e9,
                        mem[k].intermediates() / (double) cfg.depth() / (1 << 20),
                        mem[k].intermediatesUnshared() / (double) cfg.depth() / (1 << 20), mem[k]);
            } finally {
                Backends.use(prev);
                t.release();
            }
        }
        assertEquals(mem[0].intermediatesUnshared(), mem[0].intermediates());
        assertEquals(mem[0].intermediatesUnshared(), mem[1].intermediatesUnshared());
        assertEquals(mem[0].weights(), mem[1].weights());
        assertTrue(mem[1].intermediates() < mem[0].intermediates() / 2, "reuse: " + mem[1] + " vs " + mem[0]);
        assertTrue(mem[1].intermediatesPeak() <= mem[1].intermediates() && mem[1].intermediatesPeak() == mem[0].intermediatesPeak());
        int[] a = new int[out[0].length], b = new int[out[1].length];
        for (int i = 0; i < a.length; i++) a[i] = Float.floatToRawIntBits(out[0][i]);
        for (int i = 0; i < b.length; i++) b[i] = Float.floatToRawIntBits(out[1][i]);
        assertArrayEquals(a, b, "buffer reuse must not change a bit of the result");
    }
}
