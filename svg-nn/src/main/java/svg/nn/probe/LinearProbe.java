package svg.nn.probe;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

/**
 * A linear probe: multinomial logistic regression on frozen features, standardised with the training set's column
 * statistics, fitted by mini-batch AdamW with a cosine learning-rate decay. The fit is a pure function of the
 * features, the labels and the seed.
 *
 * @param epochs      passes over the training features
 * @param batch       rows per update
 * @param lr          peak AdamW learning rate
 * @param weightDecay decoupled weight decay (on W only)
 * @param seed        shuffling seed
 */
public record LinearProbe(int epochs, int batch, double lr, double weightDecay, long seed) {
    public LinearProbe {
        if (epochs < 1 || batch < 1 || !(lr > 0) || weightDecay < 0) throw new IllegalArgumentException("bad linear probe settings: " + epochs + " epochs, batch " + batch + ", lr " + lr + ", wd " + weightDecay);
    }

    public static LinearProbe defaults() { return new LinearProbe(30, 256, 1e-3, 1e-4, 0); }

    /** A fitted probe: standardisation and the affine map. */
    public record Fitted(double[][] stats, float[] w, float[] b, int classes, int dim) {
        public int[] predict(FeatureSet test) {
            if (test.dim() != dim) throw new IllegalArgumentException("probe fitted on " + dim + "-d features, given " + test.dim() + "-d");
            FeatureSet s = test.standardized(stats);
            try (var ng = GradMode.noGrad()) {
                float[] logits = Tensor.of(s.x(), s.n(), dim).linear(Tensor.of(w, classes, dim), Tensor.of(b, classes)).toArray();
                int[] pred = new int[s.n()];
                for (int i = 0; i < s.n(); i++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
                    pred[i] = best;
                }
                return pred;
            }
        }
    }

    public Fitted fit(FeatureSet train) {
        double[][] stats = train.columnStats();
        FeatureSet s = train.standardized(stats);
        int n = s.n(), d = s.dim(), k = train.numClasses();
        float[] w = new float[k * d], b = new float[k];
        float[] mw = new float[w.length], vw = new float[w.length], mb = new float[k], vb = new float[k];
        Rng rng = new Rng(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        long steps = (long) epochs * ((n + batch - 1) / batch), t = 0;
        float[] xb = new float[batch * d];
        try (var ng = GradMode.noGrad()) {
            for (int e = 0; e < epochs; e++) {
                for (int i = n - 1; i > 0; i--) { int j = rng.nextInt(i + 1); int tmp = order[i]; order[i] = order[j]; order[j] = tmp; }
                for (int r0 = 0; r0 < n; r0 += batch) {
                    int rows = Math.min(batch, n - r0);
                    for (int r = 0; r < rows; r++) System.arraycopy(s.x(), order[r0 + r] * d, xb, r * d, d);
                    Tensor x = Tensor.of(java.util.Arrays.copyOf(xb, rows * d), rows, d);
                    float[] p = x.linear(Tensor.of(w, k, d), Tensor.of(b, k)).softmax(-1).toArray();
                    // d(mean CE)/d(logits) = (softmax - onehot) / rows
                    float[] gb = new float[k];
                    for (int r = 0; r < rows; r++) {
                        p[r * k + s.labels()[order[r0 + r]]] -= 1;
                        for (int c = 0; c < k; c++) { p[r * k + c] /= rows; gb[c] += p[r * k + c]; }
                    }
                    float[] gw = Tensor.of(p, rows, k).transpose(0, 1).matmul(x).toArray();
                    t++;
                    double lrT = lr * 0.5 * (1 + Math.cos(Math.PI * (t - 1) / steps));
                    adam(w, gw, mw, vw, t, lrT, weightDecay);
                    adam(b, gb, mb, vb, t, lrT, 0);
                }
            }
        }
        return new Fitted(stats, w, b, k, d);
    }

    private static void adam(float[] p, float[] g, float[] m, float[] v, long t, double lr, double wd) {
        double c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
        for (int i = 0; i < p.length; i++) {
            m[i] = 0.9f * m[i] + 0.1f * g[i];
            v[i] = 0.999f * v[i] + 0.001f * g[i] * g[i];
            p[i] -= (float) (lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + 1e-8) + wd * p[i]));
        }
    }

    /** Fraction of rows where {@code pred} equals the label. */
    public static double accuracy(int[] pred, int[] labels) {
        if (pred.length != labels.length) throw new IllegalArgumentException(pred.length + " predictions for " + labels.length + " labels");
        int ok = 0;
        for (int i = 0; i < pred.length; i++) if (pred[i] == labels[i]) ok++;
        return (double) ok / pred.length;
    }
}
