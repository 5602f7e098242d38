package svg.nn.metrics;

import svg.tensor.parallel.Parallel;

/**
 * The Frechet (2-Wasserstein) distance between the Gaussians N(mu1, S1) and N(mu2, S2) fitted to two feature sets,
 * the quantity FID reports:
 * <pre>
 *   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^{1/2} S2 S1^{1/2})^{1/2})
 * </pre>
 * The matrix square roots come from symmetric eigendecompositions in double precision ({@link MatrixSqrt}), with
 * tiny negative eigenvalues clamped to zero, so singular covariances (fewer samples than feature dimensions) are
 * handled without the complex parts and epsilon offsets that scipy's sqrtm needs in pytorch-fid. The value is
 * d^2 (as FID reports it), not d.
 *
 * <p>From raw features ({@link #terms(float[], int, float[], int, int)}) the cross term can also be computed in
 * sample space: with centred features X1 [n1, d], X2 [n2, d] and S = X^T X / (n - 1), the non-zero eigenvalues of
 * S1^{1/2} S2 S1^{1/2} (those of S1 S2) are those of A A^T / ((n1 - 1)(n2 - 1)) for A = X2 X1^T [n2, n1]; the
 * smaller of A A^T and A^T A is decomposed. That costs n1 n2 d instead of about 16 d^3 and is chosen when cheaper
 * (few samples of 2048-d Inception features).
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /** The terms of d^2: the squared mean distance and the covariance (trace) term; total = mean + trace. */
    public record Result(double meanTerm, double traceTerm) {
        public double total() { return meanTerm + traceTerm; }
    }

    /** d^2 between the Gaussians of two feature sets. */
    public static double of(FeatureStats a, FeatureStats b) { return terms(a, b).total(); }

    /** d^2 split into its mean and covariance terms. */
    public static Result terms(FeatureStats a, FeatureStats b) {
        if (a.dim() != b.dim()) throw new IllegalArgumentException("feature dimensions differ: " + a.dim() + " vs " + b.dim());
        return terms(a.mean(), a.cov(), b.mean(), b.cov(), a.dim());
    }

    /** d^2 for explicit means [n] and covariances [n, n] (row-major). */
    public static Result terms(double[] mu1, double[] s1, double[] mu2, double[] s2, int n) {
        if (mu1.length != n || mu2.length != n || s1.length != n * n || s2.length != n * n)
            throw new IllegalArgumentException("means must have " + n + " and covariances " + n * n + " entries");
        double tr = 0;
        for (int i = 0; i < n; i++) tr += s1[i * n + i] + s2[i * n + i];
        return result(meanTerm(mu1, mu2), tr, MatrixSqrt.traceSqrtProduct(s1, s2, n));
    }

    /**
     * d^2 between the Gaussians fitted to features x [n1, d] and y [n2, d] (row-major, n >= 2 each; covariances
     * unbiased as in {@link FeatureStats}), by whichever of the covariance and sample-space routes costs less.
     */
    public static Result terms(float[] x, int n1, float[] y, int n2, int d) {
        double cov = (double) (n1 + n2) * d * d + 16.0 * d * d * d;
        int lo = Math.min(n1, n2), hi = Math.max(n1, n2);
        double gram = (double) n1 * n2 * d + (double) lo * lo * hi + 10.0 * lo * lo * lo;
        return gram < cov ? sampleSpaceTerms(x, n1, y, n2, d) : terms(FeatureStats.of(x, n1, d), FeatureStats.of(y, n2, d));
    }

    /** The sample-space route (see the class comment); package-private so tests can compare it with the other. */
    static Result sampleSpaceTerms(float[] x, int n1, float[] y, int n2, int d) {
        if (n1 < 2 || n2 < 2) throw new IllegalArgumentException("feature statistics need at least 2 samples, got " + n1 + " and " + n2);
        if (x.length != (long) n1 * d || y.length != (long) n2 * d)
            throw new IllegalArgumentException("expected " + n1 + " x " + d + " and " + n2 + " x " + d + " features");
        double[] mu1 = mean(x, n1, d), mu2 = mean(y, n2, d);
        double[] a = centred(x, n1, d, mu1), b = centred(y, n2, d, mu2);
        double tr = sumSquares(a) / (n1 - 1) + sumSquares(b) / (n2 - 1);
        // G = A A^T over the smaller side, with A = X_small X_large^T [ns, nl]
        double[] small = n1 <= n2 ? a : b, large = n1 <= n2 ? b : a;
        int ns = Math.min(n1, n2), nl = Math.max(n1, n2);
        double[] am = new double[ns * nl];
        Parallel.forChunks(ns, Parallel.grain((long) nl * d, 1L << 18), (s, e) -> {
            for (int i = s; i < e; i++)
                for (int j = 0; j < nl; j++) am[i * nl + j] = dot(small, i * d, large, j * d, d);
        });
        double[] g = new double[ns * ns];
        Parallel.forChunks(ns, Parallel.grain((long) ns * nl, 1L << 18), (s, e) -> {
            for (int i = s; i < e; i++)
                for (int j = 0; j <= i; j++) g[i * ns + j] = g[j * ns + i] = dot(am, i * nl, am, j * nl, nl);
        });
        double cross = MatrixSqrt.traceSqrtPsd(g, ns) / Math.sqrt((double) (n1 - 1) * (n2 - 1));
        return result(meanTerm(mu1, mu2), tr, cross);
    }

    private static Result result(double meanTerm, double traces, double cross) {
        // identical inputs can round the trace term a hair below zero; the distance is non-negative by definition
        return new Result(meanTerm, Math.max(0, traces - 2 * cross));
    }

    private static double meanTerm(double[] mu1, double[] mu2) {
        double dm = 0;
        for (int i = 0; i < mu1.length; i++) {
            double t = mu1[i] - mu2[i];
            dm += t * t;
        }
        return dm;
    }

    private static double[] mean(float[] x, int n, int d) {
        double[] mu = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mu[j] += x[i * d + j];
        for (int j = 0; j < d; j++) mu[j] /= n;
        return mu;
    }

    private static double[] centred(float[] x, int n, int d, double[] mu) {
        double[] c = new double[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) c[i * d + j] = x[i * d + j] - mu[j];
        return c;
    }

    private static double sumSquares(double[] a) {
        double s = 0;
        for (double v : a) s += v * v;
        return s;
    }

    private static double dot(double[] a, int ao, double[] b, int bo, int n) {
        double s = 0;
        for (int k = 0; k < n; k++) s += a[ao + k] * b[bo + k];
        return s;
    }
}
