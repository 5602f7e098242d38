package svg.nn.metrics;

/**
 * Square roots of symmetric positive semi-definite matrices through {@link SymmetricEigen}: A^{1/2} =
 * V diag(sqrt(max(lambda, 0))) V^T. Eigenvalues of a PSD matrix that rounding pushed slightly below zero are clamped
 * to zero; clearly negative ones (below -{@link #NEGATIVE_TOLERANCE} times the largest |eigenvalue|) mean the input
 * was not PSD and are rejected.
 */
public final class MatrixSqrt {
    /** Relative size of a negative eigenvalue still accepted as rounding noise of a PSD matrix. */
    public static final double NEGATIVE_TOLERANCE = 1e-6;

    private MatrixSqrt() {}

    /** The symmetric PSD square root of the symmetric PSD n x n matrix {@code a} (row-major). */
    public static double[] sqrtPsd(double[] a, int n) {
        SymmetricEigen eig = SymmetricEigen.of(a, n);
        checkPsd(eig.values(), "matrix");
        return eig.apply(l -> Math.sqrt(Math.max(l, 0)));
    }

    /** tr(A^{1/2}) = sum of sqrt(max(lambda, 0)) for a symmetric PSD matrix. */
    public static double traceSqrtPsd(double[] a, int n) {
        double[] l = SymmetricEigen.values(a, n);
        checkPsd(l, "matrix");
        double t = 0;
        for (double v : l) t += Math.sqrt(Math.max(v, 0));
        return t;
    }

    /**
     * tr((S1^{1/2} S2 S1^{1/2})^{1/2}) for symmetric PSD S1, S2: the cross term of the Frechet distance. Equal to
     * the trace of (S1 S2)^{1/2} (what scipy.linalg.sqrtm gives in pytorch-fid), computed through symmetric
     * matrices only, so it stays real and stable when S1 or S2 is singular.
     */
    public static double traceSqrtProduct(double[] s1, double[] s2, int n) {
        double[] r = sqrtPsd(s1, n);
        double[] m = multiply(multiply(r, s2, n), r, n);
        symmetrise(m, n);
        return traceSqrtPsd(m, n);
    }

    /** c = a b for n x n row-major matrices, rows in parallel. */
    static double[] multiply(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        svg.tensor.parallel.Parallel.forChunks(n, svg.tensor.parallel.Parallel.grain((long) n * n, 1L << 18), (s, e) -> {
            for (int i = s; i < e; i++) {
                int co = i * n;
                for (int k = 0; k < n; k++) {
                    double aik = a[i * n + k];
                    if (aik == 0) continue;
                    int bo = k * n;
                    for (int j = 0; j < n; j++) c[co + j] += aik * b[bo + j];
                }
            }
        });
        return c;
    }

    /** (m + m^T) / 2 in place: removes the rounding asymmetry of a product that is symmetric in exact arithmetic. */
    static void symmetrise(double[] m, int n) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) {
                double v = 0.5 * (m[i * n + j] + m[j * n + i]);
                m[i * n + j] = v;
                m[j * n + i] = v;
            }
    }

    private static void checkPsd(double[] ascending, String what) {
        double lo = ascending[0], hi = Math.max(Math.abs(ascending[0]), Math.abs(ascending[ascending.length - 1]));
        if (lo < -NEGATIVE_TOLERANCE * hi)
            throw new IllegalArgumentException(what + " is not positive semi-definite: eigenvalue " + lo + " (largest |eigenvalue| " + hi + ")");
    }
}
