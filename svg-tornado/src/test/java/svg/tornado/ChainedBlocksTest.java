package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTBlock;
import svg.nn.dit.DiTConfig;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chained block plans (issue 17, part 3): a shared block plan takes the previous block's result as its input on the
 * device, so a DiT's blocks pass their activations on without a copy to the host and back. Checks that it happens
 * (chained runs counted, no block result copied to the host inside a forward), that every block's result is bit for
 * bit that of unchained plans and stays readable after the forward (from the results the plan keeps on the device,
 * as DINOv3 keeps all its blocks' outputs), and that a result read after its block ran again (the next forward) is
 * an error, never stale values.
 */
class ChainedBlocksTest {
    private static final int DEPTH = 4, FORWARDS = 3;

    /**
     * Every block's result of the last forward, whether reading the previous forward's first result failed, the
     * backend's counts, and the traffic of the last forward's blocks.
     */
    private record Run(float[][] results, boolean oldReadFailed, long chained, long compiled, Transfers lastBlocks) {}

    /** DiT.forward without its final layer, keeping each block's result; the last forward's are read at the end. */
    private static Run run(boolean chain) {
        DiTConfig cfg = new DiTConfig(8, 1, 8, 64, DEPTH, 4, 4.0, 0.1, 10, true, 0, true); // 64 tokens, D 64, QK-norm
        DiTCase c = DiTCase.of(cfg, 2, 0.2);
        TornadoBackend t = new TornadoBackend(null, true, 1, true, true, true, chain);
        Backend prev = Backends.use(t);
        try (var g = GradMode.noGrad()) {
            DiT m = c.model();
            List<List<Tensor>> kept = new ArrayList<>();
            Transfers blocks = null;
            for (int f = 0; f < FORWARDS; f++) {
                Tensor h = m.embedTokens(c.x());
                Tensor cond = m.condition(c.time(), c.y());
                List<Tensor> outs = new ArrayList<>();
                Transfers before = t.transfers();
                for (DiTBlock b : m.blocks) {
                    Tensor in = h;
                    h = Tensor.block(DiT.BLOCK_TAG, () -> b.forward(in, cond));
                    outs.add(h);
                }
                blocks = t.transfers().minus(before);
                kept.add(outs);
            }
            float[][] results = new float[DEPTH][];
            for (int k = DEPTH - 1; k >= 0; k--) results[k] = kept.get(FORWARDS - 1).get(k).toArray();
            boolean failed = false;
            try {
                kept.get(FORWARDS - 2).get(0).toArray();
            } catch (IllegalStateException e) {
                failed = true;
            }
            return new Run(results, failed, t.chainedBlockRuns(), t.kernelsCompiled(), blocks);
        } finally {
            Backends.use(prev);
            t.release();
        }
    }

    @Test
    void blocksPassTheirResultsOnTheDevice() {
        Run chained = run(true), plain = run(false);
        System.out.printf("chained block plans: %d chained runs, %d kernels compiled (unchained %d); last forward's "
                + "blocks: %s (unchained: %s)%n", chained.chained(), chained.compiled(), plain.compiled(),
                chained.lastBlocks(), plain.lastBlocks());
        // the first forward runs op by op (the instances are learnt); then every block but the first is chained
        assertEquals((long) (FORWARDS - 1) * (DEPTH - 1), chained.chained());
        assertEquals(0, plain.chained());
        assertEquals(plain.compiled() + 3, chained.compiled(), "three copy kernels: stage, chain, keep");
        assertEquals(0, chained.lastBlocks().toHost(), "no block result goes to the host inside a forward");
        assertTrue(plain.lastBlocks().toHost() >= DEPTH - 1, "unchained: each result is read by the next block");
        assertTrue(chained.lastBlocks().toDeviceBytes() < plain.lastBlocks().toDeviceBytes());
        for (int k = 0; k < DEPTH; k++) assertArrayEquals(plain.results()[k], chained.results()[k], "block " + k);
        assertTrue(chained.oldReadFailed(), "a result read after its block ran again must fail, not give stale values");
        assertFalse(plain.oldReadFailed());
    }
}
