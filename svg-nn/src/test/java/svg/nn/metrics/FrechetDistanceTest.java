package svg.nn.metrics;

import org.junit.jupiter.api.Test;

import java.util.function.DoubleBinaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** Eigendecomposition, PSD square root and Frechet distance against hand-computed cases and a numpy/torch reference. */
class FrechetDistanceTest {
    private static final double S3 = Math.sqrt(3);

    static double[] diag(double... d) {
        double[] m = new double[d.length * d.length];
        for (int i = 0; i < d.length; i++) m[i * d.length + i] = d[i];
        return m;
    }

    static void assertMatrix(double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, "entry " + i);
    }

    @Test
    void eigenOfAKnownMatrix() {
        // [[2,1,0],[1,2,1],[0,1,2]]: eigenvalues 2 - sqrt2, 2, 2 + sqrt2
        double[] a = {2, 1, 0, 1, 2, 1, 0, 1, 2};
        SymmetricEigen e = SymmetricEigen.of(a, 3);
        double r2 = Math.sqrt(2);
        assertArrayEquals(new double[]{2 - r2, 2, 2 + r2}, e.values(), 1e-14);
        // V diag V^T gives the matrix back, eigenvectors are orthonormal
        assertMatrix(a, e.apply(l -> l), 1e-14);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double dot = 0;
                for (int k = 0; k < 3; k++) dot += e.vector(i)[k] * e.vector(j)[k];
                assertEquals(i == j ? 1 : 0, dot, 1e-14);
            }
        assertArrayEquals(e.values(), SymmetricEigen.values(a, 3), 1e-14);
    }

    @Test
    void eigenOfLargerRandomPsdMatrixReconstructs() {
        int n = 60, k = 20; // rank 20: 40 eigenvalues are zero up to rounding
        java.util.Random r = new java.util.Random(7);
        double[] b = new double[n * k];
        for (int i = 0; i < b.length; i++) b[i] = r.nextGaussian();
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int t = 0; t < k; t++) a[i * n + j] += b[i * k + t] * b[j * k + t];
        SymmetricEigen e = SymmetricEigen.of(a, n);
        double[] l = e.values();
        for (int i = 1; i < n; i++) assertTrue(l[i] >= l[i - 1]);
        for (int i = 0; i < n - k; i++) assertEquals(0, l[i], 1e-12 * l[n - 1], "null-space eigenvalue " + i);
        assertMatrix(a, e.apply(x -> x), 1e-11 * l[n - 1]);
        // the square root squares back to the matrix, and is symmetric
        double[] s = MatrixSqrt.sqrtPsd(a, n);
        assertMatrix(a, MatrixSqrt.multiply(s, s, n), 1e-10 * l[n - 1]);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) assertEquals(s[i * n + j], s[j * n + i], 0);
    }

    @Test
    void squareRootByHand() {
        // [[5,4],[4,5]] = Q diag(9, 1) Q^T with Q = [[1,1],[1,-1]]/sqrt2: the root is Q diag(3, 1) Q^T = [[2,1],[1,2]]
        assertMatrix(new double[]{2, 1, 1, 2}, MatrixSqrt.sqrtPsd(new double[]{5, 4, 4, 5}, 2), 1e-14);
        assertMatrix(diag(3, 0, 0.5), MatrixSqrt.sqrtPsd(diag(9, 0, 0.25), 3), 1e-15);
        // rank one: [[1,1],[1,1]] (eigenvalues 2, 0) -> [[1,1],[1,1]] / sqrt2; the zero eigenvalue comes out at
        // rounding level (~1e-16), whose square root (~1e-8) bounds the accuracy of any PSD root near singularity
        double h = 1 / Math.sqrt(2);
        assertMatrix(new double[]{h, h, h, h}, MatrixSqrt.sqrtPsd(new double[]{1, 1, 1, 1}, 2), 3e-8);
        assertEquals(3 + 1, MatrixSqrt.traceSqrtPsd(new double[]{5, 4, 4, 5}, 2), 1e-14);
    }

    @Test
    void notPsdIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> MatrixSqrt.sqrtPsd(new double[]{1, 2, 2, 1}, 2)); // eigenvalues 3, -1
        assertTrue(e.getMessage().contains("not positive semi-definite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[]{1, Double.NaN, Double.NaN, 1}, 2));
    }

    @Test
    void diagonalCovariancesHaveTheClosedForm() {
        // diagonal S1, S2: d^2 = |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2
        double[] a = {4, 1, 9, 0.25, 0}, b = {1, 1, 16, 1, 2};
        double[] mu1 = {0, 1, 2, 3, 4}, mu2 = {1, 1, 0, 3, 4.5};
        double want = 1 + 4 + 0.25;
        for (int i = 0; i < a.length; i++) want += Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        var r = FrechetDistance.terms(mu1, diag(a), mu2, diag(b), 5);
        assertEquals(5.25, r.meanTerm(), 1e-15);
        assertEquals(want, r.total(), 1e-13);
    }

    @Test
    void twoByTwoNonDiagonalByHand() {
        double[] zero = {0, 0};
        // S1 = [[5,4],[4,5]], S2 = I: cross term tr sqrt(S1) = 3 + 1; d^2 = 10 + 2 - 2 * 4 = 4, plus |(1,2)|^2 = 5
        assertEquals(9, FrechetDistance.terms(new double[]{1, 2}, new double[]{5, 4, 4, 5}, zero, diag(1, 1), 2).total(), 1e-13);
        // S2 = [[2,1],[1,2]] commutes with S1 (eigenvalues 3, 1 on the same vectors as 9, 1): (3 - sqrt3)^2 = 12 - 6 sqrt3
        assertEquals(12 - 6 * S3, FrechetDistance.terms(zero, new double[]{5, 4, 4, 5}, zero, new double[]{2, 1, 1, 2}, 2).total(), 1e-13);
        // non-commuting: S1 = diag(4, 1), S2 = [[2,1],[1,2]]; M = S1^1/2 S2 S1^1/2 = [[8,2],[2,2]], tr M = 10, det M = 12,
        // and for a 2x2 PSD M, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) = sqrt(10 + 4 sqrt3); d^2 = 5 + 4 - 2 sqrt(10 + 4 sqrt3)
        double want = 9 - 2 * Math.sqrt(10 + 4 * S3);
        assertEquals(want, FrechetDistance.terms(zero, diag(4, 1), zero, new double[]{2, 1, 1, 2}, 2).total(), 1e-13);
        // symmetric in its arguments
        assertEquals(want, FrechetDistance.terms(zero, new double[]{2, 1, 1, 2}, zero, diag(4, 1), 2).total(), 1e-13);
    }

    @Test
    void identicalSetsHaveZeroDistance() {
        float[] x = features(40, 5, (i, j) -> Math.sin(0.37 * (i + 1) * (j + 1)) + 0.25 * Math.cos(1.3 * i + 0.7 * j * j));
        FeatureStats s = FeatureStats.of(x, 40, 5);
        assertEquals(0, FrechetDistance.of(s, s), 1e-12);
        float[] u = features(4, 7, (i, j) -> Math.sin(1.1 * i + 0.5 * j + 0.3 * i * j)); // singular covariance
        FeatureStats su = FeatureStats.of(u, 4, 7);
        assertEquals(0, FrechetDistance.of(su, su), 1e-7); // sqrt of rounding-level eigenvalues: ~1e-8
    }

    @Test
    void covarianceMatchesTheTwoPassDefinition() {
        float[] x = {1, 2, 3, 4, 6, 1, 2, 0}; // 4 samples of 2 features
        FeatureStats s = FeatureStats.of(x, 4, 2);
        assertArrayEquals(new double[]{3, 1.75}, s.mean(), 1e-15);
        // centred: (-2,.25) (0,2.25) (3,-.75) (-1,-1.75): sums 14, -.25-2.25+1.75 = -2.5... / 3
        double cxx = (4 + 0 + 9 + 1) / 3.0, cyy = (0.0625 + 5.0625 + 0.5625 + 3.0625) / 3.0, cxy = (-0.5 + 0 - 2.25 + 1.75) / 3.0;
        assertArrayEquals(new double[]{cxx, cxy, cxy, cyy}, s.cov(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> FeatureStats.of(new float[3], 1, 3));
    }

    /**
     * The numbers come from tools/inception/fd_reference.py (run with /usr/bin/python3: numpy 1.24, torch 1.13,
     * float64), which builds the same closed-form feature sets and computes d^2 two ways, neither being this code's
     * route: numpy through the eigenvalues of the non-symmetric S1 S2, torch through the nuclear norm of
     * S1^1/2 S2^1/2 (eigh). Output: dense numpy 0.4700785735880988, torch 0.4700785735880988; singular numpy
     * 4.549196733535333, torch 4.54919675673323 (the two differ by 2.3e-8: square roots of rounding-level
     * eigenvalues of the rank-deficient covariances).
     */
    @Test
    void matchesTheNumpyTorchReference() {
        float[] x = features(40, 5, (i, j) -> Math.sin(0.37 * (i + 1) * (j + 1)) + 0.25 * Math.cos(1.3 * i + 0.7 * j * j));
        float[] y = features(30, 5, (i, j) -> 0.8 * Math.sin(0.29 * (i + 2) * (j + 1) + 0.5) + 0.1 * j + 0.3 * Math.cos(0.9 * i * j));
        var dense = FrechetDistance.terms(FeatureStats.of(x, 40, 5), FeatureStats.of(y, 30, 5));
        // the features are float32 here, float64 in Python: 1e-7 relative rounding of the inputs
        assertEquals(0.366353547167312, dense.meanTerm(), 2e-7);
        assertEquals(0.4700785735880988, dense.total(), 2e-7);
        // fewer samples than dimensions: both covariances are singular (ranks 3 and 4 of 7)
        float[] u = features(4, 7, (i, j) -> Math.sin(1.1 * i + 0.5 * j + 0.3 * i * j));
        float[] v = features(5, 7, (i, j) -> Math.cos(0.7 * i * j + 0.2 * j));
        var sing = FrechetDistance.terms(FeatureStats.of(u, 4, 7), FeatureStats.of(v, 5, 7));
        assertEquals(0.5432151343643857, sing.meanTerm(), 2e-7);
        assertEquals(4.549196733535333, sing.total(), 2e-7);
        // the sample-space route (eigenvalues of A A^T, A = X2 X1^T) gives the same numbers
        assertEquals(0.4700785735880988, FrechetDistance.sampleSpaceTerms(x, 40, y, 30, 5).total(), 2e-7);
        assertEquals(4.549196733535333, FrechetDistance.sampleSpaceTerms(u, 4, v, 5, 7).total(), 2e-7);
        assertEquals(4.549196733535333, FrechetDistance.terms(u, 4, v, 5, 7).total(), 2e-7);
    }

    @Test
    void sampleSpaceRouteEqualsTheCovarianceRoute() {
        java.util.Random r = new java.util.Random(11);
        int[][] cases = {{6, 9, 40}, {25, 12, 8}, {3, 50, 20}};
        for (int[] c : cases) {
            int n1 = c[0], n2 = c[1], d = c[2];
            float[] x = new float[n1 * d], y = new float[n2 * d];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.abs(r.nextGaussian());
            for (int i = 0; i < y.length; i++) y[i] = (float) (0.5 + 1.3 * r.nextGaussian());
            var cov = FrechetDistance.terms(FeatureStats.of(x, n1, d), FeatureStats.of(y, n2, d));
            var gram = FrechetDistance.sampleSpaceTerms(x, n1, y, n2, d);
            assertEquals(cov.meanTerm(), gram.meanTerm(), 1e-12 * cov.meanTerm(), java.util.Arrays.toString(c));
            // singular covariances: square roots of rounding-level eigenvalues limit the agreement to ~1e-7
            assertEquals(cov.total(), gram.total(), 1e-7 * cov.total(), java.util.Arrays.toString(c));
            assertEquals(cov.total(), FrechetDistance.terms(x, n1, y, n2, d).total(), 1e-7 * cov.total());
        }
    }

    private static float[] features(int n, int d, DoubleBinaryOperator f) {
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i * d + j] = (float) f.applyAsDouble(i, j);
        return x;
    }
}
