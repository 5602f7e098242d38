package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.module.Bf16Weights;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocks that differ only in their weights share one compiled block plan (issue 17, part 4): the N blocks of a DiT
 * compile one block's kernels, not N, because the plan's weight slots stack every block's weights and each run reads
 * its own at an offset ({@link Kernels#WOFF}). Fails if the blocks do not share: then the kernels compiled grow with
 * the depth. The results are those of a plan per block, bit for bit (the same kernels on the same values), and the
 * first forward (each block seen once, run op by op) gives the same bits as the shared plan's.
 */
class SharedBlocksTest {
    private static final int FORWARDS = 3;

    /** The outputs of {@link #FORWARDS} forwards of a DiT of this depth, and the backend's counts after them. */
    private record Run(float[][] outs, long compiled, int plans, int fallbacks, DeviceMemory memory) {}

    private static Run run(int depth, boolean shared, boolean bf16) {
        DiTConfig cfg = new DiTConfig(8, 1, 8, 64, depth, 4, 4.0, 0.1, 10, true, 0, true); // 64 tokens, D 64, QK-norm
        DiTCase c = DiTCase.of(cfg, 2, 0.2);
        if (bf16) assertTrue(Bf16Weights.convert(c.model()) > 0, "some weights became bfloat16");
        TornadoBackend t = new TornadoBackend(null, true, 1, true, true, shared);
        Backend prev = Backends.use(t);
        try (var g = GradMode.noGrad()) {
            float[][] outs = new float[FORWARDS][];
            for (int f = 0; f < FORWARDS; f++) outs[f] = c.model().forward(c.x(), c.time(), c.y()).toArray();
            assertEquals(FORWARDS * depth, t.blockRuns(DiT.BLOCK_TAG));
            return new Run(outs, t.kernelsCompiled(), t.blockPlanCount(), t.blockFallbacks(DiT.BLOCK_TAG),
                    t.blockPlanMemory(DiT.BLOCK_TAG));
        } finally {
            Backends.use(prev);
            t.release();
        }
    }

    @Test
    void blocksShareOneCompiledPlan() {
        Run two = run(2, true, false), four = run(4, true, false);
        System.out.printf("shared block plans: depth 2: %d kernels compiled, depth 4: %d; %s%n", two.compiled(),
                four.compiled(), four.memory());
        assertEquals(1, four.plans(), "the 4 DiT blocks share one block plan");
        assertEquals(0, four.fallbacks());
        assertEquals(two.compiled(), four.compiled(), "kernels compiled must not grow with the number of blocks");
        for (int f = 1; f < FORWARDS; f++)
            assertArrayEquals(four.outs()[0], four.outs()[f], "forward " + f + " (shared plan) vs the first (op by op)");
        Run perBlock = run(4, false, false);
        assertEquals(4, perBlock.plans());
        assertTrue(perBlock.compiled() > four.compiled(), perBlock.compiled() + " vs " + four.compiled());
        assertEquals(perBlock.memory().weights(), four.memory().weights(), "every block's weights, once");
        for (int f = 0; f < FORWARDS; f++)
            assertArrayEquals(perBlock.outs()[f], four.outs()[f], "shared plan vs a plan per block, forward " + f);
    }

    @Test
    void bf16WeightsStackToo() {
        Run shared = run(3, true, true), perBlock = run(3, false, true);
        assertEquals(1, shared.plans());
        for (int f = 0; f < FORWARDS; f++)
            assertArrayEquals(perBlock.outs()[f], shared.outs()[f], "bfloat16: shared vs a plan per block, forward " + f);
    }
}
