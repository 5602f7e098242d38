package svg.nn.metrics;

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
        return new Reference(mu1, s1, n).terms(mu2, s2);
    }

    /**
     * A fixed first set whose covariance root S1^{1/2} is computed once, for scoring several sets against the same
     * reference (one eigendecomposition fewer per distance: about a third of the time for 2048-d Inception features).
     */
    public static Reference against(FeatureStats reference) {
        return new Reference(reference.mean(), reference.cov(), reference.dim());
    }

    public static final class Reference {
        private final double[] mu, cov, root;
        private final int n;

        private Reference(double[] mu, double[] cov, int n) {
            this.mu = mu;
            this.cov = cov;
            this.n = n;
            this.root = MatrixSqrt.sqrtPsd(cov, n);
        }

        public Result terms(FeatureStats other) {
            if (other.dim() != n) throw new IllegalArgumentException("feature dimensions differ: " + n + " vs " + other.dim());
            return terms(other.mean(), other.cov());
        }

        public double distance(FeatureStats other) { return terms(other).total(); }

        private Result terms(double[] mu2, double[] s2) {
            double dm = 0;
            for (int i = 0; i < n; i++) {
                double d = mu[i] - mu2[i];
                dm += d * d;
            }
            double tr = 0;
            for (int i = 0; i < n; i++) tr += cov[i * n + i] + s2[i * n + i];
            double[] m = MatrixSqrt.multiply(MatrixSqrt.multiply(root, s2, n), root, n);
            MatrixSqrt.symmetrise(m, n);
            double cross = MatrixSqrt.traceSqrtPsd(m, n);
            // identical inputs can round the trace term a hair below zero; the distance is non-negative by definition
            return new Result(dm, Math.max(0, tr - 2 * cross));
        }
    }
}
