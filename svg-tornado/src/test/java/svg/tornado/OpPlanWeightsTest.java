package svg.tornado;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights resident twice: in a block plan and in the op-by-op plan of their layer (built when a block first runs op
 * by op, {@code -Dsvg.tornado.blockPlanAfter=2}, or on a fallback). Once a block plan has run, the op-by-op plans of
 * the weights it holds are released; the bytes are printed (docs/tornado.md reports them) and the outputs must keep
 * every bit. The DiT-XL-sized block runs only with {@code -Dsvg.tornado.ditXl=true}.
 */
class OpPlanWeightsTest {

    @Test
    void smallDiT() {
        // the DiT of BlockTransfersTest: 64 tokens, hidden 128, 4 blocks, 4 heads, QK-norm; batch 4
        measure(new DiTConfig(8, 1, 8, 128, 4, 4, 4.0, 0.1, 10, true, 0, true), 4, 0.2, 3);
    }

    @Test
    @EnabledIfSystemProperty(named = "svg.tornado.ditXl", matches = "true")
    void ditXlBlock() {
        int depth = Integer.getInteger("svg.tornado.ditXlDepth", 1), batch = Integer.getInteger("svg.tornado.ditXlBatch", 2);
        measure(new DiTConfig(16, 1, 392, 1152, depth, 16, 4.0, 0.1, 1000, true, 0, true), batch, 0.02, 2);
    }

    /**
     * Forwards with the block plans built on the second sighting (the first forward op by op, as a fallback would),
     * with and without releasing the op-by-op plans, next to op by op only and to plans built at once: same bits, and
     * the weights resident twice drop to none.
     */
    private static void measure(DiTConfig cfg, int batch, double std, int forwards) {
        DiTCase c = DiTCase.of(cfg, batch, std);
        DiT m = c.model();
        Tensor x = c.x(), time = c.time();
        int[] y = c.y();
        int tokens = cfg.input_size() * cfg.input_size();
        String[] modes = {"blockPlanAfter=2, op by op", "blockPlanAfter=2, block plans, op plans kept",
                "blockPlanAfter=2, block plans, op plans released", "blockPlanAfter=1 (default), block plans, op plans kept"};
        int[][] bits = new int[4][];
        OpPlanMemory[] mem = new OpPlanMemory[4];
        DeviceMemory blocks = null;
        for (int k = 0; k < 4; k++) {
            TornadoBackend t = new TornadoBackend(null, k > 0, k == 3 ? 1 : 2, true, k == 2);
            Backend prev = Backends.use(t);
            try (var g = GradMode.noGrad()) {
                float[] out = null;
                for (int f = 0; f < forwards; f++) {
                    float[] o = m.forward(x, time, y).toArray();
                    if (out != null) assertArrayEquals(bits(out), bits(o), "forward " + f + " must repeat the first");
                    out = o;
                }
                bits[k] = bits(out);
                mem[k] = t.opPlanMemory();
                if (k == 2) blocks = t.blockPlanMemory(DiT.BLOCK_TAG);
                if (k > 0) {
                    assertEquals(0, t.blockFallbacks(DiT.BLOCK_TAG));
                    assertEquals(cfg.depth(), t.blockPlanCount());
                }
                System.out.printf("DiT (hidden %d, %d tokens, batch %d, depth %d), %s, after %d forwards: %s%n",
                        cfg.hidden_size(), tokens, batch, cfg.depth(), modes[k], forwards, mem[k]);
            } finally {
                Backends.use(prev);
                t.release();
            }
        }
        System.out.println("block plans: " + blocks);
        assertArrayEquals(bits[0], bits[1], "block plans must give the bits of op by op");
        assertArrayEquals(bits[0], bits[2], "releasing op plans must not change a bit");
        assertArrayEquals(bits[0], bits[3]);
        assertEquals(0, mem[0].plansTwice()); // no block plans at all
        assertTrue(mem[1].weightsTwice() > 0, "kept: " + mem[1]);
        // what stays is the embedders' and the final layer's plans, whose weights no block plan holds
        assertEquals(0, mem[2].weightsTwice(), "released: " + mem[2]);
        assertEquals(mem[1].weights() - mem[1].weightsTwice(), mem[2].weights());
        assertEquals(mem[1].plans() - mem[1].plansTwice(), mem[2].plans());
        // plans built at once: the blocks never ran op by op, so their weights never got op plans
        assertEquals(0, mem[3].weightsTwice(), "planned at once: " + mem[3]);
        assertEquals(mem[2].weights(), mem[3].weights());
    }

    /**
     * A block whose plan ran, then falls back to op by op (a host read inside): the released op plan is rebuilt on
     * demand, the result is right, and from then on it is kept (no recompilation on every alternation).
     */
    @Test
    void fallbackAfterReleaseRebuildsTheOpPlan() {
        Tensor w = Tensor.randn(new Rng(1), 48, 16), b = Tensor.randn(new Rng(2), 48);
        Tensor x = Tensor.randn(new Rng(3), 2, 5, 16);
        TornadoBackend ref = new TornadoBackend(null, false);
        Backend prev = Backends.use(ref);
        int[] want;
        try (var g = GradMode.noGrad()) {
            want = bits(x.linear(w, b).gelu().toArray());
        } finally {
            Backends.use(prev);
            ref.release();
        }
        TornadoBackend t = new TornadoBackend(null, true, 2, true, true);
        prev = Backends.use(t);
        try (var g = GradMode.noGrad()) {
            // op by op (first sighting): the linear's weight gets a plan of its own
            assertArrayEquals(want, bits(Tensor.block("l", () -> x.linear(w, b).gelu()).toArray()));
            assertEquals(1, t.opPlanMemory().plans());
            // the block plan is built and runs: the op plan of its weight is released
            assertArrayEquals(want, bits(Tensor.block("l", () -> x.linear(w, b).gelu()).toArray()));
            assertEquals(1, t.blockPlanCount());
            assertEquals(0, t.opPlanMemory().plans());
            assertEquals(4L * (48 * 16 + 48), t.blockPlanMemory("l").weights());
            // a host read inside the block: op by op again, the op plan rebuilt
            float[][] mid = new float[1][];
            Tensor o = Tensor.block("l", () -> {
                Tensor h = x.linear(w, b);
                mid[0] = h.toArray();
                return h.gelu();
            });
            assertArrayEquals(want, bits(o.toArray()));
            assertEquals(1, t.blockFallbacks("l"));
            assertEquals(1, t.opPlanMemory().plans());
            assertEquals(1, t.opPlanMemory().plansTwice());
            // the plan runs again: the rebuilt op plan is kept this time
            assertArrayEquals(want, bits(Tensor.block("l", () -> x.linear(w, b).gelu()).toArray()));
            assertEquals(1, t.opPlanMemory().plans());
        } finally {
            Backends.use(prev);
            t.release();
        }
    }

    private static int[] bits(float[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Float.floatToRawIntBits(a[i]);
        return r;
    }
}
