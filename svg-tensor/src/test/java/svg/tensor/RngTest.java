package svg.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Seeded, explicit randomness: same seed same stream, forks independent of later draws, exact state restore. */
class RngTest {

    @Test
    void sameSeedSameStreamDifferentSeedDifferentStream() {
        Rng a = new Rng(42), b = new Rng(42), c = new Rng(43);
        for (int i = 0; i < 100; i++) assertEquals(a.nextLong(), b.nextLong());
        assertNotEquals(new Rng(42).nextLong(), c.nextLong());
    }

    @Test
    void forkDoesNotAdvanceAndDependsOnKey() {
        Rng a = new Rng(7), b = new Rng(7);
        Rng f1 = a.fork(1), f1again = a.fork(1), f2 = a.fork(2);
        assertEquals(f1.nextLong(), f1again.nextLong());
        assertNotEquals(a.fork(1).nextLong(), f2.nextLong());
        assertEquals(b.nextLong(), a.nextLong(), "fork must not advance the parent");
    }

    @Test
    void stateRoundTripIncludesTheSpareGaussian() {
        Rng a = new Rng(3);
        a.nextGaussian(); // leaves a spare
        long[] s = a.state();
        double next = a.nextGaussian(), after = a.nextGaussian();
        Rng b = new Rng(99);
        b.setState(s);
        assertEquals(next, b.nextGaussian());
        assertEquals(after, b.nextGaussian());
    }

    @Test
    void rangesAndMoments() {
        Rng r = new Rng(11);
        int n = 200_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian();
            sum += g;
            sq += g * g;
            float f = r.nextFloat();
            assertTrue(f >= 0 && f < 1);
            int k = r.nextInt(7);
            assertTrue(k >= 0 && k < 7);
        }
        // 5 standard errors: fails for a broken generator, not by chance
        assertEquals(0, sum / n, 5 / Math.sqrt(n));
        assertEquals(1, sq / n, 5 * Math.sqrt(2.0 / n));
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
    }
}
