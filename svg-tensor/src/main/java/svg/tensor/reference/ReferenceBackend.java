package svg.tensor.reference;

import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.ReduceOp;
import svg.tensor.backend.UnaryOp;

/**
 * The executable specification of every primitive: plain loops, double accumulation, no threads, no SIMD.
 * Slow on purpose. Other backends are tested against it (and it against float64 math in the op harness).
 */
public class ReferenceBackend implements Backend {

    @Override
    public String name() { return "reference"; }

    // ---------------------------------------------------------------- strided iteration

    /** Flat buffer index of the i-th element (row-major order) of a strided view. */
    static int index(Tensor t, int[] shape, int[] strides, int i) {
        int p = t.offset();
        for (int d = shape.length - 1; d >= 0; d--) {
            int s = shape[d];
            p += (i % s) * strides[d];
            i /= s;
        }
        return p;
    }

    public static double unaryScalar(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case GELU -> 0.5 * x * (1.0 + Erf.erf(x / Math.sqrt(2.0)));
            // 0.5 (1 + tanh u) written as 1 / (1 + e^-2u): 1 + tanh u cancels to nothing in the negative tail
            case GELU_TANH -> x / (1.0 + Math.exp(-2 * GELU_C * (x + 0.044715 * x * x * x)));
            case SILU -> x / (1.0 + Math.exp(-x));
            case STEP -> x > 0 ? 1.0 : 0.0;
            case GELU_GRAD -> 0.5 * (1.0 + Erf.erf(x / Math.sqrt(2.0))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case GELU_TANH_GRAD -> {
                double u = GELU_C * (x + 0.044715 * x * x * x);
                double ch = Math.cosh(u); // 1 - tanh^2 u = 1 / cosh^2 u, without cancellation for large |u|
                yield 1.0 / (1.0 + Math.exp(-2 * u)) + 0.5 * x / (ch * ch) * GELU_C * (1 + 3 * 0.044715 * x * x);
            }
            case SILU_GRAD -> {
                double s = 1.0 / (1.0 + Math.exp(-x));
                yield s * (1 + x * (1 - s));
            }
        };
    }

    static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    public static double binaryScalar(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case POW -> Math.pow(a, b);
            case GE -> a >= b ? 1.0 : 0.0;
        };
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        int[] sh = x.shape(), st = x.strides();
        Tensor out = Tensor.empty(sh);
        float[] o = out.data(), d = x.data();
        for (int i = 0; i < o.length; i++) o[i] = (float) unaryScalar(op, d[index(x, sh, st, i)]);
        return out;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        int[] sh = a.shape(), sa = a.strides(), sb = b.strides();
        Tensor out = Tensor.empty(sh);
        float[] o = out.data(), da = a.data(), db = b.data();
        for (int i = 0; i < o.length; i++)
            o[i] = (float) binaryScalar(op, da[index(a, sh, sa, i)], db[index(b, sh, sb, i)]);
        return out;
    }

    // ---------------------------------------------------------------- rows

    private static int lastDim(Tensor x) { return x.dim() == 0 ? 1 : x.size(-1); }

    @Override
    public Tensor reduceLast(ReduceOp op, Tensor x) {
        int n = lastDim(x), rows = x.numel() / Math.max(1, n);
        int[] sh = x.shape();
        int[] os = java.util.Arrays.copyOf(sh, Math.max(0, sh.length - 1));
        Tensor out = Tensor.empty(os);
        float[] d = x.data(), o = out.data();
        int off = x.offset();
        for (int r = 0; r < rows; r++) {
            int base = off + r * n;
            switch (op) {
                case SUM -> {
                    double s = 0;
                    for (int j = 0; j < n; j++) s += d[base + j];
                    o[r] = (float) s;
                }
                case MAX -> {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) m = Math.max(m, d[base + j]);
                    o[r] = m;
                }
                case ARGMAX -> {
                    int bi = 0;
                    for (int j = 1; j < n; j++) if (d[base + j] > d[base + bi]) bi = j;
                    o[r] = bi;
                }
            }
        }
        return out;
    }

    @Override
    public Tensor softmax(Tensor x) { return softmaxRows(x, false); }

    @Override
    public Tensor logSoftmax(Tensor x) { return softmaxRows(x, true); }

    private Tensor softmaxRows(Tensor x, boolean log) {
        int n = lastDim(x), rows = x.numel() / Math.max(1, n);
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), o = out.data();
        int off = x.offset();
        for (int r = 0; r < rows; r++) {
            int b = off + r * n;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) m = Math.max(m, d[b + j]);
            double s = 0;
            for (int j = 0; j < n; j++) s += Math.exp(d[b + j] - m);
            double ls = Math.log(s);
            for (int j = 0; j < n; j++)
                o[r * n + j] = (float) (log ? d[b + j] - m - ls : Math.exp(d[b + j] - m) / s);
        }
        return out;
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        int ba = a.size(0), bb = b.size(0), nb = Math.max(ba, bb);
        int m = transA ? a.size(2) : a.size(1), k = transA ? a.size(1) : a.size(2);
        int n = transB ? b.size(1) : b.size(2);
        Tensor out = Tensor.empty(nb, m, n);
        float[] da = a.data(), db = b.data(), o = out.data();
        int ar = a.size(1), ac = a.size(2), br = b.size(1), bc = b.size(2);
        for (int z = 0; z < nb; z++) {
            int oa = a.offset() + (ba == 1 ? 0 : z) * ar * ac, ob = b.offset() + (bb == 1 ? 0 : z) * br * bc;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        float x = transA ? da[oa + p * ac + i] : da[oa + i * ac + p];
                        float y = transB ? db[ob + j * bc + p] : db[ob + p * bc + j];
                        s += (double) x * y;
                    }
                    o[(z * m + i) * n + j] = (float) s;
                }
        }
        return out;
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int rows = x.size(0), in = x.size(1), outF = w.size(0);
        Tensor out = Tensor.empty(rows, outF);
        float[] dx = x.data(), dw = w.data(), o = out.data();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < outF; j++) {
                double s = bias == null ? 0 : bias.data()[bias.offset() + j];
                for (int p = 0; p < in; p++) s += (double) dx[x.offset() + r * in + p] * dw[w.offset() + j * in + p];
                o[r * outF + j] = (float) s;
            }
        return out;
    }

    // ---------------------------------------------------------------- normalisation

    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        int n = lastDim(x), rows = x.numel() / n;
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), o = out.data();
        for (int r = 0; r < rows; r++) {
            int b = x.offset() + r * n;
            double mu = 0;
            for (int j = 0; j < n; j++) mu += d[b + j];
            mu /= n;
            double v = 0;
            for (int j = 0; j < n; j++) v += (d[b + j] - mu) * (d[b + j] - mu);
            double rs = 1.0 / Math.sqrt(v / n + eps);
            for (int j = 0; j < n; j++) {
                double y = (d[b + j] - mu) * rs;
                if (weight != null) y *= weight.data()[weight.offset() + j];
                if (bias != null) y += bias.data()[bias.offset() + j];
                o[r * n + j] = (float) y;
            }
        }
        return out;
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        int n = lastDim(x), rows = x.numel() / n;
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), o = out.data();
        for (int r = 0; r < rows; r++) {
            int b = x.offset() + r * n;
            double ss = 0;
            for (int j = 0; j < n; j++) ss += (double) d[b + j] * d[b + j];
            double rs = 1.0 / Math.sqrt(ss / n + eps);
            for (int j = 0; j < n; j++) {
                double y = d[b + j] * rs;
                if (weight != null) y *= weight.data()[weight.offset() + j];
                o[r * n + j] = (float) y;
            }
        }
        return out;
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        int nb = x.size(0), c = x.size(1), s = x.size(2), cg = c / groups;
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), o = out.data();
        for (int i = 0; i < nb; i++)
            for (int g = 0; g < groups; g++) {
                int b = x.offset() + (i * c + g * cg) * s, len = cg * s;
                double mu = 0;
                for (int j = 0; j < len; j++) mu += d[b + j];
                mu /= len;
                double v = 0;
                for (int j = 0; j < len; j++) v += (d[b + j] - mu) * (d[b + j] - mu);
                double rs = 1.0 / Math.sqrt(v / len + eps);
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch;
                    double w = weight == null ? 1 : weight.data()[weight.offset() + cc];
                    double bb = bias == null ? 0 : bias.data()[bias.offset() + cc];
                    for (int p = 0; p < s; p++) {
                        int idx = (i * c + cc) * s + p;
                        o[idx] = (float) ((d[x.offset() + idx] - mu) * rs * w + bb);
                    }
                }
            }
        return out;
    }

    /**
     * Per (image, group): mean and rstd as in groupNorm (double), then per channel a = sum over S of gradOut * xhat
     * and b = sum of gradOut (double). sums[(i*c + ch)*2 + {0, 1}] = {a, b}; stats[(i*groups + g)*2 + {0, 1}] =
     * {mean, rstd}.
     */
    private static void groupNormGradSums(Tensor x, Tensor gy, int groups, float eps, double[] stats, double[] sums) {
        int nb = x.size(0), c = x.size(1), s = x.size(2), cg = c / groups;
        float[] d = x.data(), gd = gy.data();
        for (int i = 0; i < nb; i++)
            for (int g = 0; g < groups; g++) {
                int b = x.offset() + (i * c + g * cg) * s, len = cg * s;
                double mu = 0;
                for (int j = 0; j < len; j++) mu += d[b + j];
                mu /= len;
                double v = 0;
                for (int j = 0; j < len; j++) v += (d[b + j] - mu) * (d[b + j] - mu);
                double rs = 1.0 / Math.sqrt(v / len + eps);
                stats[(i * groups + g) * 2] = mu;
                stats[(i * groups + g) * 2 + 1] = rs;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++) {
                    double a = 0, bs = 0;
                    for (int p = 0; p < s; p++) {
                        int idx = (i * c + ch) * s + p;
                        double gv = gd[gy.offset() + idx];
                        a += gv * (d[x.offset() + idx] - mu) * rs;
                        bs += gv;
                    }
                    sums[(i * c + ch) * 2] = a;
                    sums[(i * c + ch) * 2 + 1] = bs;
                }
            }
    }

    /** LayerNorm over the last axis is groupNorm of [rows, n, 1] with one group (the per-channel weight is per element). */
    @Override
    public Tensor layerNormBackward(Tensor x, Tensor gradOut, Tensor weight, float eps) {
        int n = x.size(-1), rows = x.numel() / Math.max(1, n);
        return groupNormBackward(x.reshape(rows, n, 1), gradOut.reshape(rows, n, 1), 1, weight, eps).reshape(x.shape());
    }

    @Override
    public Tensor layerNormBackwardAffine(Tensor x, Tensor gradOut, float eps) {
        int n = x.size(-1), rows = x.numel() / Math.max(1, n);
        return groupNormBackwardAffine(x.reshape(rows, n, 1), gradOut.reshape(rows, n, 1), 1, eps);
    }

    @Override
    public Tensor groupNormBackward(Tensor x, Tensor gradOut, int groups, Tensor weight, float eps) {
        int nb = x.size(0), c = x.size(1), s = x.size(2), cg = c / groups;
        double[] stats = new double[nb * groups * 2], sums = new double[nb * c * 2];
        groupNormGradSums(x, gradOut, groups, eps, stats, sums);
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), gd = gradOut.data(), o = out.data();
        for (int i = 0; i < nb; i++)
            for (int g = 0; g < groups; g++) {
                double mu = stats[(i * groups + g) * 2], rs = stats[(i * groups + g) * 2 + 1], mg = 0, mgx = 0;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++) {
                    double w = weight == null ? 1 : weight.data()[weight.offset() + ch];
                    mgx += w * sums[(i * c + ch) * 2];
                    mg += w * sums[(i * c + ch) * 2 + 1];
                }
                mg /= (double) cg * s;
                mgx /= (double) cg * s;
                for (int ch = g * cg; ch < (g + 1) * cg; ch++) {
                    double w = weight == null ? 1 : weight.data()[weight.offset() + ch];
                    for (int p = 0; p < s; p++) {
                        int idx = (i * c + ch) * s + p;
                        double xh = (d[x.offset() + idx] - mu) * rs;
                        o[idx] = (float) (rs * (gd[gradOut.offset() + idx] * w - mg - xh * mgx));
                    }
                }
            }
        return out;
    }

    @Override
    public Tensor groupNormBackwardAffine(Tensor x, Tensor gradOut, int groups, float eps) {
        int nb = x.size(0), c = x.size(1);
        double[] stats = new double[nb * groups * 2], sums = new double[nb * c * 2];
        groupNormGradSums(x, gradOut, groups, eps, stats, sums);
        Tensor out = Tensor.empty(2, c);
        float[] o = out.data();
        for (int ch = 0; ch < c; ch++) {
            double a = 0, b = 0;
            for (int i = 0; i < nb; i++) { a += sums[(i * c + ch) * 2]; b += sums[(i * c + ch) * 2 + 1]; }
            o[ch] = (float) a;
            o[c + ch] = (float) b;
        }
        return out;
    }

    // ---------------------------------------------------------------- convolution

    static int outSize(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        int n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
        int o = w.size(0), kh = w.size(2), kw = w.size(3);
        int oh = outSize(h, kh, stride, padding), ow = outSize(wd, kw, stride, padding);
        Tensor out = Tensor.empty(n, o, oh, ow);
        float[] dx = x.data(), dw = w.data(), y = out.data();
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double s = bias == null ? 0 : bias.data()[bias.offset() + oc];
                        for (int ic = 0; ic < c; ic++)
                            for (int u = 0; u < kh; u++) {
                                int yy = i * stride - padding + u;
                                if (yy < 0 || yy >= h) continue;
                                for (int v = 0; v < kw; v++) {
                                    int xx = j * stride - padding + v;
                                    if (xx < 0 || xx >= wd) continue;
                                    s += (double) dx[x.offset() + ((b * c + ic) * h + yy) * wd + xx]
                                            * dw[w.offset() + ((oc * c + ic) * kh + u) * kw + v];
                                }
                            }
                        y[((b * o + oc) * oh + i) * ow + j] = (float) s;
                    }
        return out;
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor g, Tensor w, int h, int wd, int stride, int padding) {
        int n = g.size(0), o = g.size(1), oh = g.size(2), ow = g.size(3);
        int c = w.size(1), kh = w.size(2), kw = w.size(3);
        double[] acc = new double[n * c * h * wd];
        float[] dg = g.data(), dw = w.data();
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double gv = dg[g.offset() + ((b * o + oc) * oh + i) * ow + j];
                        for (int ic = 0; ic < c; ic++)
                            for (int u = 0; u < kh; u++) {
                                int yy = i * stride - padding + u;
                                if (yy < 0 || yy >= h) continue;
                                for (int v = 0; v < kw; v++) {
                                    int xx = j * stride - padding + v;
                                    if (xx < 0 || xx >= wd) continue;
                                    acc[((b * c + ic) * h + yy) * wd + xx] += gv * dw[w.offset() + ((oc * c + ic) * kh + u) * kw + v];
                                }
                            }
                    }
        return fromDouble(acc, n, c, h, wd);
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor g, Tensor x, int kh, int kw, int stride, int padding) {
        int n = g.size(0), o = g.size(1), oh = g.size(2), ow = g.size(3);
        int c = x.size(1), h = x.size(2), wd = x.size(3);
        double[] acc = new double[o * c * kh * kw];
        float[] dg = g.data(), dx = x.data();
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double gv = dg[g.offset() + ((b * o + oc) * oh + i) * ow + j];
                        for (int ic = 0; ic < c; ic++)
                            for (int u = 0; u < kh; u++) {
                                int yy = i * stride - padding + u;
                                if (yy < 0 || yy >= h) continue;
                                for (int v = 0; v < kw; v++) {
                                    int xx = j * stride - padding + v;
                                    if (xx < 0 || xx >= wd) continue;
                                    acc[((oc * c + ic) * kh + u) * kw + v] += gv * dx[x.offset() + ((b * c + ic) * h + yy) * wd + xx];
                                }
                            }
                    }
        return fromDouble(acc, o, c, kh, kw);
    }

    static Tensor fromDouble(double[] acc, int... shape) {
        float[] f = new float[acc.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) acc[i];
        return Tensor.of(f, shape);
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        Tensor out = Tensor.empty(n, c, 2 * h, 2 * w);
        float[] d = x.data(), o = out.data();
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < 2 * h; i++)
                for (int j = 0; j < 2 * w; j++)
                    o[(p * 2 * h + i) * 2 * w + j] = d[x.offset() + (p * h + i / 2) * w + j / 2];
        return out;
    }

    // ---------------------------------------------------------------- lookup

    @Override
    public Tensor embedding(Tensor table, int[] ids) {
        int dm = table.size(1);
        Tensor out = Tensor.empty(ids.length, dm);
        for (int i = 0; i < ids.length; i++)
            System.arraycopy(table.data(), table.offset() + ids[i] * dm, out.data(), i * dm, dm);
        return out;
    }

    @Override
    public Tensor embeddingBackward(Tensor grad, int[] ids, int vocab) {
        int dm = grad.size(1);
        double[] acc = new double[vocab * dm];
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < dm; j++) acc[ids[i] * dm + j] += grad.data()[grad.offset() + i * dm + j];
        return fromDouble(acc, vocab, dm);
    }

    // ---------------------------------------------------------------- attention, rope

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        int b = q.size(0), h = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2), dv = v.size(3);
        Tensor out = Tensor.empty(b, h, tq, dv);
        float[] dq = q.data(), dk = k.data(), dvv = v.data(), o = out.data();
        double[] s = new double[tk];
        for (int z = 0; z < b * h; z++)
            for (int i = 0; i < tq; i++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < tk; j++) {
                    double acc = 0;
                    for (int p = 0; p < d; p++) acc += (double) dq[q.offset() + (z * tq + i) * d + p] * dk[k.offset() + (z * tk + j) * d + p];
                    acc *= scale;
                    if (mask != null) acc += mask.data()[mask.offset() + i * tk + j];
                    s[j] = acc;
                    m = Math.max(m, acc);
                }
                double sum = 0;
                for (int j = 0; j < tk; j++) { s[j] = Math.exp(s[j] - m); sum += s[j]; }
                for (int p = 0; p < dv; p++) {
                    double acc = 0;
                    for (int j = 0; j < tk; j++) acc += s[j] * dvv[v.offset() + (z * tk + j) * dv + p];
                    o[(z * tq + i) * dv + p] = (float) (acc / sum);
                }
            }
        return out;
    }

    @Override
    public Tensor rope(Tensor x, Tensor sin, Tensor cos) {
        int t = x.size(2), d = x.size(3), rows = x.numel() / d, half = d / 2;
        Tensor out = Tensor.empty(x.shape());
        float[] dx = x.data(), o = out.data(), ds = sin.data(), dc = cos.data();
        for (int r = 0; r < rows; r++) {
            int tok = r % t, b = x.offset() + r * d;
            for (int j = 0; j < d; j++) {
                double rot = j < half ? -dx[b + j + half] : dx[b + j - half];
                o[r * d + j] = (float) (dx[b + j] * (double) dc[cos.offset() + tok * d + j] + rot * ds[sin.offset() + tok * d + j]);
            }
        }
        return out;
    }
}
