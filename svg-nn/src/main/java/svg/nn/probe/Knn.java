package svg.nn.probe;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

/**
 * The k-nearest-neighbour classifier of the DINO papers (Wu et al. 2018's weighted kNN): cosine similarity between
 * L2-normalised features, the k most similar training rows vote for their class with weight exp(similarity / T).
 * DINO uses k = 20 and T = 0.07. Ties between equal similarities go to the lower training index, so the result does
 * not depend on thread count.
 */
public final class Knn {
    private Knn() {}

    /** Predicted class of every test row. */
    public static int[] predict(FeatureSet train, FeatureSet test, int k, double temperature) {
        if (train.dim() != test.dim()) throw new IllegalArgumentException("train features are " + train.dim() + "-d, test " + test.dim() + "-d");
        if (k < 1 || k > train.n()) throw new IllegalArgumentException("k must be in [1, " + train.n() + "], got " + k);
        FeatureSet a = train.l2Normalized(), b = test.l2Normalized();
        int classes = Math.max(train.numClasses(), test.numClasses());
        int[] pred = new int[test.n()];
        Tensor bank = Tensor.of(a.x(), a.n(), a.dim());
        int chunk = Math.max(1, (int) Math.min(512, (64L << 20) / (4L * a.n())));
        try (var ng = GradMode.noGrad()) {
            for (int r0 = 0; r0 < b.n(); r0 += chunk) {
                int rows = Math.min(chunk, b.n() - r0);
                float[] q = java.util.Arrays.copyOfRange(b.x(), r0 * b.dim(), (r0 + rows) * b.dim());
                float[] sim = Tensor.of(q, rows, b.dim()).linear(bank, null).toArray();
                final int base = r0;
                java.util.stream.IntStream.range(0, rows).parallel().forEach(r ->
                        pred[base + r] = vote(sim, r * a.n(), a.n(), a.labels(), k, temperature, classes));
            }
        }
        return pred;
    }

    /** Top-k by insertion into a sorted buffer (k is small), then a weighted vote; argmax ties go to the lower class. */
    static int vote(float[] sim, int off, int n, int[] labels, int k, double temperature, int classes) {
        float[] topS = new float[k];
        int[] topI = new int[k];
        int filled = 0;
        for (int j = 0; j < n; j++) {
            float s = sim[off + j];
            if (filled == k && s <= topS[k - 1]) continue;
            int p = filled < k ? filled++ : k - 1;
            while (p > 0 && topS[p - 1] < s) { topS[p] = topS[p - 1]; topI[p] = topI[p - 1]; p--; }
            topS[p] = s;
            topI[p] = j;
        }
        double[] votes = new double[classes];
        for (int i = 0; i < filled; i++) votes[labels[topI[i]]] += Math.exp(topS[i] / temperature);
        int best = 0;
        for (int c = 1; c < classes; c++) if (votes[c] > votes[best]) best = c;
        return best;
    }
}
