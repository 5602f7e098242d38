package svg.tensor.conformance;

import svg.tensor.Tensor;

/**
 * The float64 oracle of the op catalog: every Backend op written again as plain double loops over arrays, without
 * calling {@code ReferenceBackend} or any Tensor op, so that a bug shared by the reference and a fast backend still
 * shows. Inputs are read straight from the buffers through their own strides and offsets.
 *
 * <p>Arrays are row-major; the shape of each result is documented at each method.
 */
public final class Oracle {
    private Oracle() {}

    /** The values of any strided view, in row-major order, widened to double. */
    public static double[] read(Tensor t) {
        int[] sh = t.shape(), st = t.strides();
        int n = 1;
        for (int s : sh) n *= s;
        double[] r = new double[n];
        float[] d = t.data();
        int[] idx = new int[sh.length];
        for (int i = 0; i < n; i++) {
            int p = t.offset();
            for (int k = 0; k < sh.length; k++) p += idx[k] * st[k];
            r[i] = d[p];
            for (int k = sh.length - 1; k >= 0; k--) { if (++idx[k] < sh[k]) break; idx[k] = 0; }
        }
        return r;
    }

    // ---------------------------------------------------------------- scalar functions

    static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    /** Standard normal CDF through erf; erf by composite Simpson quadrature of 2/sqrt(pi) exp(-t^2). */
    static double phi(double x) { return 0.5 * (1.0 + erf(x / Math.sqrt(2.0))); }

    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.min(Math.abs(x), 7.0); // erf(7) = 1 - 4e-23: 1 in double
        int n = 2048; // even; step <= 0.0035, so the h^4 error is far below float precision
        double h = a / n, s = 1.0 + Math.exp(-a * a);
        for (int i = 1; i < n; i++) {
            double t = i * h;
            s += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
        }
        double r = s * h / 3.0 * 2.0 / Math.sqrt(Math.PI);
        return x < 0 ? -r : r;
    }

    static double sigmoid(double x) { return 1.0 / (1.0 + Math.exp(-x)); }

    /** The catalog's UnaryOp semantics, keyed by enum name so the oracle does not share code with the backends. */
    public static double unary(String op, double x) {
        switch (op) {
            case "NEG": return -x;
            case "ABS": return Math.abs(x);
            case "EXP": return Math.exp(x);
            case "LOG": return Math.log(x);
            case "SQRT": return Math.sqrt(x);
            case "RSQRT": return 1.0 / Math.sqrt(x);
            case "TANH": return Math.tanh(x);
            case "SIGMOID": return sigmoid(x);
            case "GELU": return x * phi(x);
            // 0.5 (1 + tanh u) = sigmoid(2u): no cancellation in the negative tail, where tanh u is near -1
            case "GELU_TANH": return x * sigmoid(2 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
            case "SILU": return x * sigmoid(x);
            case "STEP": return x > 0 ? 1.0 : 0.0;
            case "GELU_GRAD": return phi(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2.0 * Math.PI);
            case "GELU_TANH_GRAD": {
                double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
                double sech2 = 1.0 / (Math.cosh(u) * Math.cosh(u));
                return sigmoid(2 * u) + 0.5 * x * sech2 * SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x);
            }
            case "SILU_GRAD": {
                double s = sigmoid(x);
                return s + x * s * (1.0 - s);
            }
            default: throw new IllegalArgumentException("oracle has no unary op " + op);
        }
    }

    public static double binary(String op, double a, double b) {
        switch (op) {
            case "ADD": return a + b;
            case "SUB": return a - b;
            case "MUL": return a * b;
            case "DIV": return a / b;
            case "MAX": return a >= b ? a : b;
            case "POW": return Math.pow(a, b);
            case "GE": return a >= b ? 1.0 : 0.0;
            default: throw new IllegalArgumentException("oracle has no binary op " + op);
        }
    }

    // ---------------------------------------------------------------- rows

    /** x [rows, n] -> [rows]: SUM, MAX or ARGMAX (first maximum on ties). */
    public static double[] reduceLast(String op, double[] x, int rows, int n) {
        double[] r = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0, m = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < n; j++) {
                double v = x[i * n + j];
                s += v;
                if (v > m) { m = v; arg = j; }
            }
            r[i] = switch (op) { case "SUM" -> s; case "MAX" -> m; case "ARGMAX" -> arg; default -> throw new IllegalArgumentException(op); };
        }
        return r;
    }

    /** Softmax (or its log) of each row of x [rows, n]. */
    public static double[] softmax(double[] x, int rows, int n, boolean log) {
        double[] r = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) m = Math.max(m, x[i * n + j]);
            double z = 0;
            for (int j = 0; j < n; j++) z += Math.exp(x[i * n + j] - m);
            for (int j = 0; j < n; j++)
                r[i * n + j] = log ? x[i * n + j] - m - Math.log(z) : Math.exp(x[i * n + j] - m) / z;
        }
        return r;
    }

    // ---------------------------------------------------------------- linear algebra

    /**
     * a is stored [ba, ra, ca] and means its per-batch transpose when transA (likewise b); batch 1 broadcasts.
     * Result [max(ba, bb), m, n].
     */
    public static double[] matmul(double[] a, int ba, int ra, int ca, boolean transA,
                                  double[] b, int bb, int rb, int cb, boolean transB) {
        int m = transA ? ca : ra, k = transA ? ra : ca, n = transB ? rb : cb, nb = Math.max(ba, bb);
        double[] r = new double[nb * m * n];
        for (int z = 0; z < nb; z++) {
            int oa = (ba == 1 ? 0 : z) * ra * ca, ob = (bb == 1 ? 0 : z) * rb * cb;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = transA ? a[oa + p * ca + i] : a[oa + i * ca + p];
                        double bv = transB ? b[ob + j * cb + p] : b[ob + p * cb + j];
                        s += av * bv;
                    }
                    r[(z * m + i) * n + j] = s;
                }
        }
        return r;
    }

    /** x [rows, in] w [out, in] bias [out] or null -> [rows, out]. */
    public static double[] linear(double[] x, int rows, int in, double[] w, int out, double[] bias) {
        double[] r = new double[rows * out];
        for (int i = 0; i < rows; i++)
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int p = 0; p < in; p++) s += x[i * in + p] * w[o * in + p];
                r[i * out + o] = s + (bias == null ? 0 : bias[o]);
            }
        return r;
    }

    // ---------------------------------------------------------------- normalisation

    /** LayerNorm of each row of x [rows, n] (biased variance); weight, bias nullable. */
    public static double[] layerNorm(double[] x, int rows, int n, double[] w, double[] b, double eps) {
        double[] r = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            double mean = 0;
            for (int j = 0; j < n; j++) mean += x[i * n + j];
            mean /= n;
            double var = 0;
            for (int j = 0; j < n; j++) var += (x[i * n + j] - mean) * (x[i * n + j] - mean);
            var /= n;
            for (int j = 0; j < n; j++) {
                double y = (x[i * n + j] - mean) / Math.sqrt(var + eps);
                r[i * n + j] = y * (w == null ? 1 : w[j]) + (b == null ? 0 : b[j]);
            }
        }
        return r;
    }

    /** x / sqrt(mean(x^2) + eps) * w per row of [rows, n]; w nullable. */
    public static double[] rmsNorm(double[] x, int rows, int n, double[] w, double eps) {
        double[] r = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            double ms = 0;
            for (int j = 0; j < n; j++) ms += x[i * n + j] * x[i * n + j];
            ms /= n;
            for (int j = 0; j < n; j++) r[i * n + j] = x[i * n + j] / Math.sqrt(ms + eps) * (w == null ? 1 : w[j]);
        }
        return r;
    }

    /** GroupNorm of x [nb, c, s]: statistics over (c / groups) channels x s positions; w, b [c] nullable. */
    public static double[] groupNorm(double[] x, int nb, int c, int s, int groups, double[] w, double[] b, double eps) {
        double[] r = new double[nb * c * s];
        int cg = c / groups;
        for (int i = 0; i < nb; i++)
            for (int g = 0; g < groups; g++) {
                double mean = 0, var = 0;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                    for (int p = 0; p < s; p++) mean += x[(i * c + ch) * s + p];
                mean /= (double) cg * s;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                    for (int p = 0; p < s; p++) {
                        double d = x[(i * c + ch) * s + p] - mean;
                        var += d * d;
                    }
                var /= (double) cg * s;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                    for (int p = 0; p < s; p++) {
                        int q = (i * c + ch) * s + p;
                        r[q] = (x[q] - mean) / Math.sqrt(var + eps) * (w == null ? 1 : w[ch]) + (b == null ? 0 : b[ch]);
                    }
            }
        return r;
    }

    /**
     * The gradients of groupNorm (float64, written independently of the backends): dx [nb, c, s] followed by dw [c]
     * and db [c] in one array; xhat = (x - mean) / sqrt(var + eps), gx = gy * w,
     * dx = (gx - mean(gx) - xhat * mean(gx * xhat)) / sqrt(var + eps) over each group.
     */
    public static double[] groupNormBackward(double[] x, double[] gy, int nb, int c, int s, int groups, double[] w, double eps) {
        double[] r = new double[nb * c * s + 2 * c];
        int cg = c / groups, m = cg * s;
        for (int i = 0; i < nb; i++)
            for (int g = 0; g < groups; g++) {
                double mean = 0, var = 0;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                    for (int p = 0; p < s; p++) mean += x[(i * c + ch) * s + p];
                mean /= m;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                    for (int p = 0; p < s; p++) var += (x[(i * c + ch) * s + p] - mean) * (x[(i * c + ch) * s + p] - mean);
                double sd = Math.sqrt(var / m + eps), mgx = 0, mgxh = 0;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                    for (int p = 0; p < s; p++) {
                        int q = (i * c + ch) * s + p;
                        double xh = (x[q] - mean) / sd, gx = gy[q] * (w == null ? 1 : w[ch]);
                        mgx += gx / m;
                        mgxh += gx * xh / m;
                        r[nb * c * s + ch] += gy[q] * xh;
                        r[nb * c * s + c + ch] += gy[q];
                    }
                for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                    for (int p = 0; p < s; p++) {
                        int q = (i * c + ch) * s + p;
                        double xh = (x[q] - mean) / sd, gx = gy[q] * (w == null ? 1 : w[ch]);
                        r[q] = (gx - mgx - xh * mgxh) / sd;
                    }
            }
        return r;
    }

    // ---------------------------------------------------------------- convolution

    /** Geometry of one conv2d: x [n, c, h, w], weight [o, c, kh, kw], output [n, o, oh, ow]. */
    public record Conv(int n, int c, int h, int w, int o, int kh, int kw, int stride, int pad) {
        public int oh() { return (h + 2 * pad - kh) / stride + 1; }
        public int ow() { return (w + 2 * pad - kw) / stride + 1; }
    }

    /**
     * Visits every (output position, input position, weight position) triple of the convolution, written as the
     * textbook sum y[b,o,i,j] = sum_{c,u,v} x[b,c,i*s-p+u, j*s-p+v] w[o,c,u,v]. The forward and both backward ops
     * are the same triple visited with different accumulators.
     */
    interface Triple { void visit(int yIdx, int xIdx, int wIdx); }

    static void forEachTriple(Conv g, Triple t) {
        int oh = g.oh(), ow = g.ow();
        for (int b = 0; b < g.n; b++)
            for (int o = 0; o < g.o; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        for (int c = 0; c < g.c; c++)
                            for (int u = 0; u < g.kh; u++)
                                for (int v = 0; v < g.kw; v++) {
                                    int yy = i * g.stride - g.pad + u, xx = j * g.stride - g.pad + v;
                                    if (yy < 0 || yy >= g.h || xx < 0 || xx >= g.w) continue; // zero padding
                                    t.visit(((b * g.o + o) * oh + i) * ow + j,
                                            ((b * g.c + c) * g.h + yy) * g.w + xx,
                                            ((o * g.c + c) * g.kh + u) * g.kw + v);
                                }
    }

    /** [n, o, oh, ow]. */
    public static double[] conv2d(Conv g, double[] x, double[] w, double[] bias) {
        double[] y = new double[g.n * g.o * g.oh() * g.ow()];
        if (bias != null)
            for (int q = 0; q < y.length; q++) y[q] = bias[(q / (g.oh() * g.ow())) % g.o];
        forEachTriple(g, (yi, xi, wi) -> y[yi] += x[xi] * w[wi]);
        return y;
    }

    /** d(sum y * gy)/dx: [n, c, h, w]. */
    public static double[] conv2dBackwardInput(Conv g, double[] gy, double[] w) {
        double[] gx = new double[g.n * g.c * g.h * g.w];
        forEachTriple(g, (yi, xi, wi) -> gx[xi] += gy[yi] * w[wi]);
        return gx;
    }

    /** d(sum y * gy)/dw: [o, c, kh, kw]. */
    public static double[] conv2dBackwardWeight(Conv g, double[] gy, double[] x) {
        double[] gw = new double[g.o * g.c * g.kh * g.kw];
        forEachTriple(g, (yi, xi, wi) -> gw[wi] += gy[yi] * x[xi]);
        return gw;
    }

    /** [n*c, h, w] -> [n*c, 2h, 2w]. */
    public static double[] upsample2x(double[] x, int nc, int h, int w) {
        double[] r = new double[nc * 4 * h * w];
        for (int p = 0; p < nc; p++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int di = 0; di < 2; di++)
                        for (int dj = 0; dj < 2; dj++)
                            r[(p * 2 * h + 2 * i + di) * 2 * w + 2 * j + dj] = x[(p * h + i) * w + j];
        return r;
    }

    // ---------------------------------------------------------------- lookup

    public static double[] embedding(double[] table, int d, int[] ids) {
        double[] r = new double[ids.length * d];
        for (int i = 0; i < ids.length; i++) System.arraycopy(table, ids[i] * d, r, i * d, d);
        return r;
    }

    public static double[] embeddingBackward(double[] g, int d, int[] ids, int vocab) {
        double[] r = new double[vocab * d];
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < d; j++) r[ids[i] * d + j] += g[i * d + j];
        return r;
    }

    // ---------------------------------------------------------------- attention, rope

    /**
     * softmax(q k^T * scale + mask) v per (batch, head) z: q [bh, tq, d], k [bh, tk, d], v [bh, tk, dv],
     * mask [tq, tk] or null; the full score matrix is materialised (the fused backends must not need to).
     */
    public static double[] attention(double[] q, double[] k, double[] v, double[] mask,
                                     int bh, int tq, int tk, int d, int dv, double scale) {
        double[] out = new double[bh * tq * dv];
        for (int z = 0; z < bh; z++) {
            double[] s = new double[tq * tk];
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tk; j++) {
                    double dot = 0;
                    for (int p = 0; p < d; p++) dot += q[(z * tq + i) * d + p] * k[(z * tk + j) * d + p];
                    s[i * tk + j] = dot * scale + (mask == null ? 0 : mask[i * tk + j]);
                }
            double[] pr = softmax(s, tq, tk, false);
            for (int i = 0; i < tq; i++)
                for (int e = 0; e < dv; e++) {
                    double acc = 0;
                    for (int j = 0; j < tk; j++) acc += pr[i * tk + j] * v[(z * tk + j) * dv + e];
                    out[(z * tq + i) * dv + e] = acc;
                }
        }
        return out;
    }

    /**
     * Rotate-half rotary embedding of x [rows, t, d] (rows = B*H): the pair (x[j], x[j + d/2]) of token tok is
     * mapped to (x[j] cos - x[j+d/2] sin, x[j+d/2] cos + x[j] sin) with the sin/cos of the output's own column.
     */
    public static double[] rope(double[] x, int rows, int t, int d, double[] sin, double[] cos) {
        double[] r = new double[rows * t * d];
        int h = d / 2;
        for (int z = 0; z < rows; z++)
            for (int tok = 0; tok < t; tok++) {
                int base = (z * t + tok) * d;
                for (int j = 0; j < h; j++) {
                    double x1 = x[base + j], x2 = x[base + j + h];
                    r[base + j] = x1 * cos[tok * d + j] - x2 * sin[tok * d + j];
                    r[base + j + h] = x2 * cos[tok * d + j + h] + x1 * sin[tok * d + j + h];
                }
            }
        return r;
    }
}
