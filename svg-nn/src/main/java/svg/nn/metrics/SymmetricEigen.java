package svg.nn.metrics;

import java.util.Arrays;

/**
 * Eigendecomposition A = V diag(values) V^T of a real symmetric matrix, in double precision: Householder reduction
 * to tridiagonal form, then the implicit QL algorithm shifted by an eigenvalue of the leading 2x2 block (the classic tred2 / tql2 pair of
 * the EISPACK routines, as in Golub and Van Loan, "Matrix Computations", 8.3). Backward stable, so the eigenvalues
 * of a positive semi-definite matrix come out >= -(a few ulp of its largest eigenvalue): callers that need a square
 * root clamp those to zero ({@link MatrixSqrt}).
 *
 * <p>Matrices are flat row-major {@code double[n * n]}. Only the lower triangle of the input is read.
 */
public final class SymmetricEigen {
    private static final int MAX_ITER_PER_VALUE = 60;

    /** Eigenvalues in ascending order. */
    private final double[] values;
    /** Row i holds the eigenvector of values[i] (so V = vectors^T); null when only values were asked for. */
    private final double[] vectors;
    private final int n;

    private SymmetricEigen(int n, double[] values, double[] vectors) {
        this.n = n;
        this.values = values;
        this.vectors = vectors;
    }

    /** Eigenvalues and eigenvectors of the symmetric n x n matrix {@code a} (not modified). */
    public static SymmetricEigen of(double[] a, int n) { return compute(a, n, true); }

    /** Eigenvalues only (cheaper: no eigenvector accumulation), ascending. */
    public static double[] values(double[] a, int n) { return compute(a, n, false).values; }

    public int size() { return n; }

    /** Eigenvalues in ascending order (a copy). */
    public double[] values() { return values.clone(); }

    /** The unit eigenvector of {@code values()[i]} (a copy). */
    public double[] vector(int i) {
        if (vectors == null) throw new IllegalStateException("eigenvectors were not computed");
        return Arrays.copyOfRange(vectors, i * n, (i + 1) * n);
    }

    /** V f(diag) V^T for a function of the eigenvalues, symmetric by construction. */
    public double[] apply(java.util.function.DoubleUnaryOperator f) {
        if (vectors == null) throw new IllegalStateException("eigenvectors were not computed");
        double[] fv = new double[n];
        for (int i = 0; i < n; i++) fv[i] = f.applyAsDouble(values[i]);
        double[] out = new double[n * n];
        // out[r][c] = sum_i fv[i] v_i[r] v_i[c]: the lower triangle by rows in parallel, then mirrored (exactly symmetric)
        svg.tensor.parallel.Parallel.forChunks(n, svg.tensor.parallel.Parallel.grain((long) n * n / 2, 1L << 18), (s, e) -> {
            for (int r = s; r < e; r++) {
                int ro = r * n;
                for (int i = 0; i < n; i++) {
                    double w = fv[i] * vectors[i * n + r];
                    if (w == 0) continue;
                    int vo = i * n;
                    for (int c = 0; c <= r; c++) out[ro + c] += w * vectors[vo + c];
                }
            }
        });
        for (int r = 0; r < n; r++)
            for (int c = 0; c < r; c++) out[c * n + r] = out[r * n + c];
        return out;
    }

    private static SymmetricEigen compute(double[] a, int n, boolean wantVectors) {
        if (n < 1 || a.length != n * n) throw new IllegalArgumentException("expected a " + n + "x" + n + " matrix, got " + a.length + " values");
        for (double v : a) if (!Double.isFinite(v)) throw new IllegalArgumentException("matrix has a non-finite entry: " + v);
        // w: the transpose of the working matrix (the same, as it is symmetric), so that tred2's inner loops and
        // tql2's rotations run along contiguous rows; after tred2, row j of w is column j of the transform Q
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) {
                w[i * n + j] = a[i * n + j];
                w[j * n + i] = a[i * n + j];
            }
        double[] d = new double[n], e = new double[n];
        tred2(w, n, d, e, wantVectors);
        double[] vt = wantVectors ? w : null;
        tql2(d, e, vt, n);
        // ascending order, eigenvectors moved along
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (p, q) -> Double.compare(d[p], d[q]));
        double[] vals = new double[n], vecs = wantVectors ? new double[n * n] : null;
        for (int i = 0; i < n; i++) {
            vals[i] = d[order[i]];
            if (wantVectors) System.arraycopy(vt, order[i] * n, vecs, i * n, n);
        }
        return new SymmetricEigen(n, vals, vecs);
    }

    /**
     * Householder tridiagonalisation of the symmetric matrix held transposed in {@code w}: on return d holds the
     * diagonal, e[1..n-1] the sub-diagonal (e[0] = 0) and, when {@code accumulate}, w holds Q^T for the orthogonal
     * Q with A = Q T Q^T. (EISPACK's tred2 with every index pair swapped, so the inner loops are contiguous.)
     */
    private static void tred2(double[] w, int n, double[] d, double[] e, boolean accumulate) {
        for (int j = 0; j < n; j++) d[j] = w[j * n + n - 1];
        for (int i = n - 1; i > 0; i--) {
            double scale = 0, h = 0;
            for (int k = 0; k < i; k++) scale += Math.abs(d[k]);
            if (scale == 0) {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++) {
                    d[j] = w[j * n + i - 1];
                    w[j * n + i] = 0;
                    w[i * n + j] = 0;
                }
            } else {
                // the Householder vector, scaled to avoid under/overflow
                for (int k = 0; k < i; k++) {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                double f = d[i - 1], g = Math.sqrt(h);
                if (f > 0) g = -g;
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (int j = 0; j < i; j++) e[j] = 0;
                // e = A u (lower triangle of the leading i x i block)
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    w[i * n + j] = f;
                    g = e[j] + w[j * n + j] * f;
                    for (int k = j + 1; k <= i - 1; k++) {
                        g += w[j * n + k] * d[k];
                        e[k] += w[j * n + k] * f;
                    }
                    e[j] = g;
                }
                f = 0;
                for (int j = 0; j < i; j++) {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                double hh = f / (h + h);
                for (int j = 0; j < i; j++) e[j] -= hh * d[j];
                // rank-2 update of the leading block: A -= u e^T + e u^T
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    g = e[j];
                    for (int k = j; k <= i - 1; k++) w[j * n + k] -= (f * e[k] + g * d[k]);
                    d[j] = w[j * n + i - 1];
                    w[j * n + i] = 0;
                }
            }
            d[i] = h;
        }
        if (accumulate) {
            for (int i = 0; i < n - 1; i++) {
                w[i * n + n - 1] = w[i * n + i];
                w[i * n + i] = 1;
                double h = d[i + 1];
                if (h != 0) {
                    for (int k = 0; k <= i; k++) d[k] = w[(i + 1) * n + k] / h;
                    for (int j = 0; j <= i; j++) {
                        double g = 0;
                        for (int k = 0; k <= i; k++) g += w[(i + 1) * n + k] * w[j * n + k];
                        for (int k = 0; k <= i; k++) w[j * n + k] -= g * d[k];
                    }
                }
                for (int k = 0; k <= i; k++) w[(i + 1) * n + k] = 0;
            }
        }
        if (accumulate) {
            for (int j = 0; j < n; j++) {
                d[j] = w[j * n + n - 1];
                w[j * n + n - 1] = 0;
            }
            w[(n - 1) * n + n - 1] = 1;
        } else {
            // the diagonal of T, which the accumulation above would have moved into the last row on its way
            for (int j = 0; j < n; j++) d[j] = w[j * n + j];
        }
        e[0] = 0;
    }

    /**
     * Implicit QL on the tridiagonal (d, e): eigenvalues into d; when {@code vt} is non-null (the transform of
     * tred2, transposed) its rows become the eigenvectors.
     */
    private static void tql2(double[] d, double[] e, double[] vt, int n) {
        for (int i = 1; i < n; i++) e[i - 1] = e[i];
        e[n - 1] = 0;
        double f = 0, tst1 = 0;
        final double eps = Math.ulp(1.0);
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
            if (m > l) {
                int iter = 0;
                do {
                    if (++iter > MAX_ITER_PER_VALUE)
                        throw new ArithmeticException("symmetric eigendecomposition did not converge (eigenvalue " + l + " of " + n + ")");
                    // shift from the leading 2x2 block
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Math.hypot(p, 1);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) d[i] -= h;
                    f += h;
                    // implicit QL sweep of Givens rotations from m up to l
                    p = d[m];
                    double c = 1, c2 = c, c3 = c, el1 = e[l + 1], s = 0, s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        if (vt != null) {
                            int a0 = i * n, a1 = (i + 1) * n;
                            for (int k = 0; k < n; k++) {
                                double hk = vt[a1 + k];
                                vt[a1 + k] = s * vt[a0 + k] + c * hk;
                                vt[a0 + k] = c * vt[a0 + k] - s * hk;
                            }
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }
}
