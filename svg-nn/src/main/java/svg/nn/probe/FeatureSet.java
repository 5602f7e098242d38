package svg.nn.probe;

import java.util.Arrays;

/**
 * Row-major features {@code [n, dim]} with one class label per row: what a probe is fitted on or scored on.
 */
public record FeatureSet(float[] x, int n, int dim, int[] labels) {
    public FeatureSet {
        if (n < 1 || dim < 1) throw new IllegalArgumentException("empty feature set: " + n + " x " + dim);
        if ((long) n * dim != x.length) throw new IllegalArgumentException("features hold " + x.length + " values, not " + n + " x " + dim);
        if (labels.length != n) throw new IllegalArgumentException(n + " rows but " + labels.length + " labels");
        for (float v : x) if (!Float.isFinite(v)) throw new IllegalArgumentException("features contain NaN or Inf");
    }

    public int numClasses() { return Arrays.stream(labels).max().orElse(0) + 1; }

    /** Each row scaled to unit L2 norm (cosine geometry for kNN). */
    public FeatureSet l2Normalized() {
        float[] y = x.clone();
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) s += (double) y[i * dim + j] * y[i * dim + j];
            float inv = (float) (1 / Math.max(Math.sqrt(s), 1e-12));
            for (int j = 0; j < dim; j++) y[i * dim + j] *= inv;
        }
        return new FeatureSet(y, n, dim, labels);
    }

    /** Per-column mean and standard deviation (float64), for standardising with the statistics of a training set. */
    public double[][] columnStats() {
        double[] mean = new double[dim], var = new double[dim];
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) mean[j] += x[i * dim + j];
        for (int j = 0; j < dim; j++) mean[j] /= n;
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) { double d = x[i * dim + j] - mean[j]; var[j] += d * d; }
        double[] std = new double[dim];
        for (int j = 0; j < dim; j++) std[j] = Math.sqrt(var[j] / n);
        return new double[][]{mean, std};
    }

    /** (x - mean) / std per column; a constant column (std ~ 0, e.g. image padding) becomes 0. */
    public FeatureSet standardized(double[][] stats) {
        double[] mean = stats[0], std = stats[1];
        if (mean.length != dim) throw new IllegalArgumentException("statistics of " + mean.length + " columns for " + dim + "-d features");
        float[] y = new float[x.length];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < dim; j++)
                y[i * dim + j] = std[j] > 1e-6 ? (float) ((x[i * dim + j] - mean[j]) / std[j]) : 0f;
        return new FeatureSet(y, n, dim, labels);
    }
}
