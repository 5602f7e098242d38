package svg.tornado;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import svg.tensor.parallel.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelPlan#holds}: the check that a resident weight's device copy still equals the host array (an optimiser
 * may have changed it in place), run when the weight's storage version moved ({@link WeightVersionTest}). Long ranges are compared in parallel chunks, so a change
 * in any chunk, at a chunk's edges and at an offset into the host array must still be seen. The timing of a DiT-XL
 * forward's worth of checks runs only with {@code -Dsvg.tornado.weightCheckBench=true}.
 */
class KernelPlanHoldsTest {

    @Test
    void everyChangedValueIsSeenInEveryChunk() {
        int chunk = KernelPlan.HOLDS_CHUNK, len = 3 * chunk + 17, off = 5;
        float[] host = new float[off + len];
        for (int i = 0; i < host.length; i++) host[i] = i * 0.25f - 3;
        FloatArray dev = new FloatArray(len);
        KernelPlan.copyInto(dev, host, off, len);
        assertTrue(KernelPlan.holds(dev, host, off, len), "unchanged");
        for (int at : new int[]{0, chunk - 1, chunk, 2 * chunk + 1, len - 1}) {
            float keep = host[off + at];
            host[off + at] = Math.nextUp(keep);
            assertFalse(KernelPlan.holds(dev, host, off, len), "changed value " + at + " not seen");
            host[off + at] = keep;
        }
        host[off - 1] = 99; // outside the range: not part of the weight
        assertTrue(KernelPlan.holds(dev, host, off, len), "a value before the range counted");
    }

    @Test
    void bfloat16WeightsToo() {
        int len = 2 * KernelPlan.HOLDS_CHUNK + 3;
        short[] host = new short[len];
        for (int i = 0; i < len; i++) host[i] = (short) (i * 7);
        ShortArray dev = new ShortArray(len);
        KernelPlan.copyInto(dev, host, 0, len);
        assertTrue(KernelPlan.holds(dev, host, 0, len));
        host[KernelPlan.HOLDS_CHUNK + 1]++;
        assertFalse(KernelPlan.holds(dev, host, 0, len));
    }

    /** 28 blocks x 95 MB (DiT-XL's float32 block weights), as one forward checks them; one thread, then all. */
    @Test
    @EnabledIfSystemProperty(named = "svg.tornado.weightCheckBench", matches = "true")
    void ditXlForwardOfChecks() {
        int len = 95_000_000 / 4, blocks = 28;
        float[][] host = new float[blocks][];
        FloatArray[] dev = new FloatArray[blocks];
        for (int b = 0; b < blocks; b++) {
            host[b] = new float[len];
            for (int i = 0; i < len; i += 97) host[b][i] = b + i;
            dev[b] = new FloatArray(len);
            KernelPlan.copyInto(dev[b], host[b], 0, len);
        }
        int all = Parallel.threads();
        for (int threads : new int[]{1, all}) {
            Parallel.setThreads(threads);
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 5; rep++) {
                long t0 = System.nanoTime();
                for (int b = 0; b < blocks; b++) assertTrue(KernelPlan.holds(dev[b], host[b], 0, len));
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
            System.out.printf(Locale.ROOT, "weight check of a DiT-XL forward (28 x 95 MB): %.1f ms with %d thread(s), best of 5%n", best, threads);
        }
        Parallel.setThreads(all);
    }
}
