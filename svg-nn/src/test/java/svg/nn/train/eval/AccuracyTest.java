package svg.nn.train.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AccuracyTest {
    /** Hand-computed Wilson intervals (z = 1.959964): centre (p + z^2/2n)/(1 + z^2/n), half-width as in the docs. */
    @Test
    void wilsonMatchesHandComputedIntervals() {
        assertInterval(Accuracy.wilson95(189, 200), 0.904213, 0.969015);
        assertInterval(Accuracy.wilson95(15, 20), 0.531299, 0.888138);
        // the edges: not empty at 0 % or 100 %, and inside [0, 1]
        assertInterval(Accuracy.wilson95(0, 10), 0.0, 0.277533);
        assertInterval(Accuracy.wilson95(10, 10), 0.722467, 1.0);
    }

    @Test
    void wilsonShrinksWithMoreSamples() {
        double[] small = Accuracy.wilson95(19, 20), large = Accuracy.wilson95(475, 500);
        assertTrue(large[1] - large[0] < (small[1] - small[0]) / 3, "5x the samples, less than a third of the width");
    }

    @Test
    void wilsonRejectsImpossibleCounts() {
        assertThrows(IllegalArgumentException.class, () -> Accuracy.wilson95(3, 0));
        assertThrows(IllegalArgumentException.class, () -> Accuracy.wilson95(11, 10));
        assertThrows(IllegalArgumentException.class, () -> Accuracy.wilson95(-1, 10));
    }

    @Test
    void fractionEqualCountsMatches() {
        assertEquals(0.5, Accuracy.fractionEqual(new int[]{1, 2, 1, 3}, 1));
        assertEquals(0.0, Accuracy.fractionEqual(new int[0], 1));
    }

    private static void assertInterval(double[] got, double lo, double hi) {
        assertEquals(lo, got[0], 1e-6, "lower bound");
        assertEquals(hi, got[1], 1e-6, "upper bound");
    }
}
