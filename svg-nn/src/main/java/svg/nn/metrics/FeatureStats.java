package svg.nn.metrics;

import java.util.Arrays;

/**
 * Mean and covariance of a feature set, as FID summarises activations: {@code mean} [d] and the unbiased covariance
 * {@code cov} [d, d] (divided by n - 1, like numpy's {@code np.cov(rowvar=False)} in pytorch-fid), accumulated in
 * float64 (two passes: the mean first, then centred products, so large means cost no precision).
 */
public record FeatureStats(int n, int dim, double[] mean, double[] cov) {
    public FeatureStats {
        if (n < 2) throw new IllegalArgumentException("feature statistics need at least 2 samples, got " + n);
        if (mean.length != dim || cov.length != dim * dim)
            throw new IllegalArgumentException("mean/cov sizes " + mean.length + "/" + cov.length + " do not match dim " + dim);
    }

    /** Statistics of the n rows of {@code rows} [n, dim] (row-major). */
    public static FeatureStats of(float[] rows, int n, int dim) {
        if (n < 2) throw new IllegalArgumentException("feature statistics need at least 2 samples, got " + n);
        if (dim < 1 || rows.length != (long) n * dim)
            throw new IllegalArgumentException("expected " + n + " x " + dim + " features, got " + rows.length + " values");
        double[] mean = new double[dim];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < dim; j++) mean[j] += rows[i * dim + j];
        for (int j = 0; j < dim; j++) mean[j] /= n;
        double[] cov = new double[dim * dim];
        // rows of the covariance in parallel; each sums over samples in order, so the result is thread-independent
        svg.tensor.parallel.Parallel.forChunks(dim, svg.tensor.parallel.Parallel.grain((long) n * dim, 1L << 18), (s, e) -> {
            double[] c = new double[dim];
            for (int a = s; a < e; a++) {
                Arrays.fill(c, 0);
                for (int i = 0; i < n; i++) {
                    double xa = rows[i * dim + a] - mean[a];
                    if (xa == 0) continue;
                    int o = i * dim;
                    for (int b = 0; b <= a; b++) c[b] += xa * (rows[o + b] - mean[b]);
                }
                for (int b = 0; b <= a; b++) cov[a * dim + b] = c[b] / (n - 1);
            }
        });
        for (int a = 0; a < dim; a++)
            for (int b = 0; b < a; b++) cov[b * dim + a] = cov[a * dim + b];
        return new FeatureStats(n, dim, mean, cov);
    }
}
