package svg.nn.probe;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeTest {
    /** Three points per class on the unit circle, hand-placed so every answer below can be checked by eye. */
    @Test
    void knnVotesByWeightedCosineNeighbours() {
        // class 0 near angle 0, class 1 near angle pi/2
        FeatureSet train = new FeatureSet(new float[]{1, 0, 0.9f, 0.1f, 0.95f, -0.05f, 0, 1, 0.1f, 0.9f, -0.1f, 1}, 6, 2, new int[]{0, 0, 0, 1, 1, 1});
        // scale must not matter (cosine): (5, 1) is near class 0, (-0.2, 3) near class 1
        FeatureSet test = new FeatureSet(new float[]{5, 1, -0.2f, 3}, 2, 2, new int[]{0, 1});
        assertArrayEquals(new int[]{0, 1}, Knn.predict(train, test, 1, 0.07));
        assertArrayEquals(new int[]{0, 1}, Knn.predict(train, test, 3, 0.07));
        // with all 6 neighbours the exp(sim/T) weights still favour the near class
        assertArrayEquals(new int[]{0, 1}, Knn.predict(train, test, 6, 0.07));
    }

    @Test
    void knnWeightsOutvoteACloseMinority() {
        // one very close class-1 neighbour against two far class-0 neighbours: k = 3 with a small temperature lets the
        // close one win (exp(1/0.01) >> 2 exp(0.6/0.01)); a huge temperature makes it a plain majority vote
        FeatureSet train = new FeatureSet(new float[]{1, 0, 0.6f, 0.8f, 0.6f, -0.8f}, 3, 2, new int[]{1, 0, 0});
        FeatureSet test = new FeatureSet(new float[]{1, 0.001f}, 1, 2, new int[]{1});
        assertArrayEquals(new int[]{1}, Knn.predict(train, test, 3, 0.01));
        assertArrayEquals(new int[]{0}, Knn.predict(train, test, 3, 1e6));
    }

    @Test
    void linearProbeSeparatesLinearlySeparableClassesAndIsDeterministic() {
        // 3 classes = 3 Gaussian blobs in 5-d with one noise column scaled by 100 (standardisation must handle it)
        Rng rng = new Rng(4);
        int n = 600, d = 5;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < d; j++) x[i * d + j] = (float) (rng.nextGaussian() * 0.3 + (j == y[i] ? 2 : 0));
            x[i * d + 4] *= 100;
            x[i * d + 3] = 7; // a constant column (like image padding)
        }
        FeatureSet all = new FeatureSet(x, n, d, y);
        LinearProbe p = new LinearProbe(20, 32, 1e-2, 0, 1);
        LinearProbe.Fitted f = p.fit(all);
        double acc = LinearProbe.accuracy(f.predict(all), y);
        assertTrue(acc > 0.99, "accuracy " + acc);
        assertArrayEquals(f.w(), p.fit(all).w(), "same seed, same fit");
        // a probe that has seen only class 0 can only answer class 0: the fit really depends on the labels
        int[] zeros = new int[n];
        assertEquals(1.0 / 3, LinearProbe.accuracy(p.fit(new FeatureSet(x, n, d, zeros)).predict(all), y), 1e-9);
    }

    @Test
    void badInputIsRefusedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> new FeatureSet(new float[]{1, Float.NaN}, 1, 2, new int[]{0}));
        assertThrows(IllegalArgumentException.class, () -> new FeatureSet(new float[3], 1, 2, new int[]{0}));
        FeatureSet a = new FeatureSet(new float[]{1, 0}, 1, 2, new int[]{0});
        FeatureSet b = new FeatureSet(new float[]{1, 0, 0}, 1, 3, new int[]{0});
        var e = assertThrows(IllegalArgumentException.class, () -> Knn.predict(a, b, 1, 0.07));
        assertTrue(e.getMessage().contains("2-d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Knn.predict(a, a, 2, 0.07));
    }
}
