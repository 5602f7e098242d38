package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.Tensor;
import svg.tensor.backend.ReduceOp;
import svg.tensor.parallel.Parallel;

/**
 * Row-wise kernels over the last axis (reductions, softmax, layer/RMS norm) and group norm. Parallel over rows
 * (groups); every row is reduced by one thread in a fixed order.
 */
final class Rows {
    private Rows() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Sums run in float vector lanes for this many elements, then fold into a double: fast and accurate. */
    private static final int BLOCK = 64 * 16;

    private static int lastDim(Tensor x) { return x.dim() == 0 ? 1 : x.size(-1); }

    private static int rowGrain(int n) { return Parallel.grain(Math.max(1, n) * 4L, 1L << 15); }

    /** Sum of d[i .. i+n) as a double: float vector partials per block, folded in block order. */
    static double sum(float[] d, int i, int n) {
        double acc = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int e = Math.min(n, b + BLOCK), j = b;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            for (; j <= e - 2 * L; j += 2 * L) {
                s0 = s0.add(FloatVector.fromArray(S, d, i + j));
                s1 = s1.add(FloatVector.fromArray(S, d, i + j + L));
            }
            float f = VMath.sum(s0.add(s1));
            for (; j < e; j++) f += d[i + j];
            acc += f;
        }
        return acc;
    }

    /** Sum of (d - mu)^2 over d[i .. i+n), blocked like {@link #sum}. */
    static double sumSqDev(float[] d, int i, int n, float mu) {
        double acc = 0;
        FloatVector m = FloatVector.broadcast(S, mu);
        for (int b = 0; b < n; b += BLOCK) {
            int e = Math.min(n, b + BLOCK), j = b;
            FloatVector s0 = FloatVector.zero(S);
            for (; j <= e - L; j += L) {
                FloatVector c = FloatVector.fromArray(S, d, i + j).sub(m);
                s0 = c.fma(c, s0);
            }
            float f = VMath.sum(s0);
            for (; j < e; j++) { float c = d[i + j] - mu; f += c * c; }
            acc += f;
        }
        return acc;
    }

    static float max(float[] d, int i, int n) {
        int j = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector v = FloatVector.fromArray(S, d, i);
            for (j = L; j <= n - L; j += L) v = v.max(FloatVector.fromArray(S, d, i + j));
            m = v.reduceLanes(VectorOperators.MAX); // max is order-independent
        }
        for (; j < n; j++) m = Math.max(m, d[i + j]);
        return m;
    }

    static Tensor reduceLast(ReduceOp op, Tensor x) {
        int n = lastDim(x), rows = x.numel() / Math.max(1, n);
        int[] sh = x.shape();
        Tensor out = Tensor.empty(java.util.Arrays.copyOf(sh, Math.max(0, sh.length - 1)));
        float[] d = x.data(), o = out.data();
        int off = x.offset();
        Parallel.forChunks(rows, rowGrain(n), (s, e) -> {
            for (int r = s; r < e; r++) {
                int base = off + r * n;
                o[r] = switch (op) {
                    case SUM -> (float) sum(d, base, n);
                    case MAX -> max(d, base, n);
                    case ARGMAX -> {
                        int bi = 0;
                        for (int j = 1; j < n; j++) if (d[base + j] > d[base + bi]) bi = j;
                        yield bi;
                    }
                };
            }
        });
        return out;
    }

    static Tensor softmax(Tensor x, boolean log) {
        int n = lastDim(x), rows = x.numel() / Math.max(1, n);
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), o = out.data();
        int off = x.offset();
        Parallel.forChunks(rows, rowGrain(n), (s, e) -> {
            for (int r = s; r < e; r++) softmaxRow(d, off + r * n, o, r * n, n, log);
        });
        return out;
    }

    private static void softmaxRow(float[] d, int di, float[] o, int oi, int n, boolean log) {
        float m = max(d, di, n);
        float sum = VMath.expSubSum(d, di, m, o, oi, n, !log);
        if (log) {
            float sub = m + (float) Math.log(sum);
            FloatVector sv = FloatVector.broadcast(S, sub);
            int j = 0;
            for (; j <= n - L; j += L) FloatVector.fromArray(S, d, di + j).sub(sv).intoArray(o, oi + j);
            for (; j < n; j++) o[oi + j] = d[di + j] - sub;
        } else {
            VMath.scale(o, oi, n, 1f / sum);
        }
    }

    /** The vector exp applied to one value (tails use the same math as the body). */
    static float expScalar(float x) {
        return VMath.exp(FloatVector.broadcast(S, x)).lane(0);
    }

    static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, boolean rms) {
        int n = lastDim(x), rows = x.numel() / Math.max(1, n);
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), o = out.data();
        float[] w = weight == null ? null : weight.data(), bb = bias == null ? null : bias.data();
        int wo = weight == null ? 0 : weight.offset(), bo = bias == null ? 0 : bias.offset();
        int off = x.offset();
        Parallel.forChunks(rows, rowGrain(n), (s, e) -> {
            for (int r = s; r < e; r++) {
                int b = off + r * n, oi = r * n;
                float mu, rs;
                if (rms) {
                    mu = 0f;
                    rs = (float) (1.0 / Math.sqrt(sumSqDev(d, b, n, 0f) / n + eps));
                } else {
                    mu = (float) (sum(d, b, n) / n);
                    rs = (float) (1.0 / Math.sqrt(sumSqDev(d, b, n, mu) / n + eps));
                }
                normRow(d, b, o, oi, n, mu, rs, w, wo, bb, bo);
            }
        });
        return out;
    }

    /** o = (d - mu) * rs * w + b (w, b nullable). */
    private static void normRow(float[] d, int b, float[] o, int oi, int n, float mu, float rs,
                                float[] w, int wo, float[] bb, int bo) {
        FloatVector mv = FloatVector.broadcast(S, mu), rv = FloatVector.broadcast(S, rs);
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector y = FloatVector.fromArray(S, d, b + j).sub(mv).mul(rv);
            if (w != null) y = y.mul(FloatVector.fromArray(S, w, wo + j));
            if (bb != null) y = y.add(FloatVector.fromArray(S, bb, bo + j));
            y.intoArray(o, oi + j);
        }
        for (; j < n; j++) {
            float y = (d[b + j] - mu) * rs;
            if (w != null) y *= w[wo + j];
            if (bb != null) y += bb[bo + j];
            o[oi + j] = y;
        }
    }

    static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        int nb = x.size(0), c = x.size(1), sp = x.size(2), cg = c / groups;
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), o = out.data();
        float[] w = weight == null ? null : weight.data(), bb = bias == null ? null : bias.data();
        int wo = weight == null ? 0 : weight.offset(), bo = bias == null ? 0 : bias.offset();
        int off = x.offset(), len = cg * sp;
        Parallel.forChunks(nb * groups, rowGrain(len), (s, e) -> {
            for (int t = s; t < e; t++) {
                int i = t / groups, g = t % groups;
                int b = off + (i * c + g * cg) * sp;
                float mu = (float) (sum(d, b, len) / len);
                float rs = (float) (1.0 / Math.sqrt(sumSqDev(d, b, len, mu) / len + eps));
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch;
                    // y = (x - mu) * a + k with the per-channel scale folded in; centring first avoids cancellation
                    float a = rs * (w == null ? 1f : w[wo + cc]);
                    float k = bb == null ? 0f : bb[bo + cc];
                    affine(d, b + ch * sp, o, (i * c + cc) * sp, sp, mu, a, k);
                }
            }
        });
        return out;
    }

    /**
     * Per (image, group) t: stats[2t] = mean, stats[2t+1] = rstd (as {@link #groupNorm} computes them), and per
     * channel sums[2(i*c + ch)] = sum over S of gradOut * (x - mean) (times rstd), sums[2(i*c + ch) + 1] = sum of
     * gradOut. Parallel over (image, group); each sum in a fixed order.
     */
    private static void groupNormGradSums(Tensor x, Tensor gy, int groups, float eps, float[] stats, float[] sums) {
        int nb = x.size(0), c = x.size(1), sp = x.size(2), cg = c / groups;
        float[] d = x.data(), gd = gy.data();
        int off = x.offset(), goff = gy.offset(), len = cg * sp;
        Parallel.forChunks(nb * groups, rowGrain(2 * len), (s, e) -> {
            double[] ab = new double[2];
            for (int t = s; t < e; t++) {
                int i = t / groups, g = t % groups;
                int b = off + (i * c + g * cg) * sp;
                float mu = (float) (sum(d, b, len) / len);
                float rs = (float) (1.0 / Math.sqrt(sumSqDev(d, b, len, mu) / len + eps));
                stats[2 * t] = mu;
                stats[2 * t + 1] = rs;
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch, q = (i * c + cc) * sp;
                    dotDevSum(d, off + q, gd, goff + q, sp, mu, ab);
                    sums[2 * (i * c + cc)] = (float) (ab[0] * rs);
                    sums[2 * (i * c + cc) + 1] = (float) ab[1];
                }
            }
        });
    }

    /** ab = {sum of g * (d - mu), sum of g} over n elements, float vector partials per block folded into doubles. */
    private static void dotDevSum(float[] d, int di, float[] g, int gi, int n, float mu, double[] ab) {
        double a = 0, b = 0;
        FloatVector m = FloatVector.broadcast(S, mu);
        for (int k = 0; k < n; k += BLOCK) {
            int e = Math.min(n, k + BLOCK), j = k;
            FloatVector sa = FloatVector.zero(S), sb = FloatVector.zero(S);
            for (; j <= e - L; j += L) {
                FloatVector gv = FloatVector.fromArray(S, g, gi + j);
                sa = FloatVector.fromArray(S, d, di + j).sub(m).fma(gv, sa);
                sb = sb.add(gv);
            }
            float fa = VMath.sum(sa), fb = VMath.sum(sb);
            for (; j < e; j++) { fa += g[gi + j] * (d[di + j] - mu); fb += g[gi + j]; }
            a += fa;
            b += fb;
        }
        ab[0] = a;
        ab[1] = b;
    }

    /** The input gradient of groupNorm (see Backend#groupNormBackward): one pass for the sums, one for dx. */
    static Tensor groupNormBackward(Tensor x, Tensor gy, int groups, Tensor weight, float eps) {
        int nb = x.size(0), c = x.size(1), sp = x.size(2), cg = c / groups;
        float[] stats = new float[2 * nb * groups], sums = new float[2 * nb * c];
        groupNormGradSums(x, gy, groups, eps, stats, sums);
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), gd = gy.data(), o = out.data();
        float[] w = weight == null ? null : weight.data();
        int wo = weight == null ? 0 : weight.offset(), off = x.offset(), goff = gy.offset();
        float inv = 1f / (cg * sp);
        Parallel.forChunks(nb * groups, rowGrain(cg * sp), (s, e) -> {
            for (int t = s; t < e; t++) {
                int i = t / groups, g = t % groups;
                float mu = stats[2 * t], rs = stats[2 * t + 1], mgx = 0, mg = 0;
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch;
                    float wc = w == null ? 1f : w[wo + cc];
                    mgx += wc * sums[2 * (i * c + cc)];
                    mg += wc * sums[2 * (i * c + cc) + 1];
                }
                mgx *= inv;
                mg *= inv;
                // dx = ((g*w - mg) - (x - mu) * (rs*mgx)) * rs; g*w - mg first, so that a group of one element
                // (xhat = 0, mg = g*w) gives exactly 0
                float k2 = rs * mgx;
                FloatVector mv = FloatVector.broadcast(S, mu), k2v = FloatVector.broadcast(S, -k2), mgv = FloatVector.broadcast(S, mg);
                FloatVector rsv = FloatVector.broadcast(S, rs);
                for (int ch = 0; ch < cg; ch++) {
                    int cc = g * cg + ch, q = (i * c + cc) * sp, j = 0;
                    float wc = w == null ? 1f : w[wo + cc];
                    FloatVector wv = FloatVector.broadcast(S, wc);
                    for (; j <= sp - L; j += L) {
                        FloatVector t1 = FloatVector.fromArray(S, gd, goff + q + j).mul(wv).sub(mgv);
                        FloatVector.fromArray(S, d, off + q + j).sub(mv).fma(k2v, t1).mul(rsv).intoArray(o, q + j);
                    }
                    for (; j < sp; j++) o[q + j] = Math.fma(d[off + q + j] - mu, -k2, gd[goff + q + j] * wc - mg) * rs;
                }
            }
        });
        return out;
    }

    /**
     * The input gradient of layerNorm over the last axis (see Backend#layerNormBackward), x and gy [rows, n]
     * contiguous: per row, the statistics as the forward computes them, then one pass for sum(gx) and
     * sum(gx * (x - mu)) (gx = gy * w), one for dx = ((gx - mean(gx)) - (x - mu) * rs * mean(gx * xhat)) * rs.
     * Rows are independent, so the result does not depend on the thread count.
     */
    static Tensor layerNormBackward(Tensor x, Tensor gy, Tensor weight, float eps) {
        int n = lastDim(x), rows = x.numel() / Math.max(1, n);
        Tensor out = Tensor.empty(x.shape());
        float[] d = x.data(), gd = gy.data(), o = out.data();
        float[] w = weight == null ? null : weight.data();
        int wo = weight == null ? 0 : weight.offset(), off = x.offset(), goff = gy.offset();
        Parallel.forChunks(rows, rowGrain(3 * n), (s, e) -> {
            for (int r = s; r < e; r++) {
                int b = off + r * n, gb = goff + r * n, oi = r * n;
                float mu = (float) (sum(d, b, n) / n);
                float rs = (float) (1.0 / Math.sqrt(sumSqDev(d, b, n, mu) / n + eps));
                // sums of gx and gx * (x - mu), in float vector partials folded into doubles per block (as dotDevSum)
                double sg = 0, sgd = 0;
                FloatVector mv = FloatVector.broadcast(S, mu);
                for (int k = 0; k < n; k += BLOCK) {
                    int kend = Math.min(n, k + BLOCK), j = k;
                    FloatVector va = FloatVector.zero(S), vb = FloatVector.zero(S);
                    for (; j <= kend - L; j += L) {
                        FloatVector gx = FloatVector.fromArray(S, gd, gb + j);
                        if (w != null) gx = gx.mul(FloatVector.fromArray(S, w, wo + j));
                        vb = vb.add(gx);
                        va = FloatVector.fromArray(S, d, b + j).sub(mv).fma(gx, va);
                    }
                    float fa = VMath.sum(va), fb = VMath.sum(vb);
                    for (; j < kend; j++) {
                        float gx = w == null ? gd[gb + j] : gd[gb + j] * w[wo + j];
                        fb += gx;
                        fa += gx * (d[b + j] - mu);
                    }
                    sg += fb;
                    sgd += fa;
                }
                float mg = (float) (sg / n), k2 = (float) (sgd * rs / n) * rs;
                // dx = ((gx - mg) - (x - mu) * k2) * rs; gx - mg first, so that a row of one element gives exactly 0
                FloatVector mgv = FloatVector.broadcast(S, mg), k2v = FloatVector.broadcast(S, -k2), rsv = FloatVector.broadcast(S, rs);
                int j = 0;
                for (; j <= n - L; j += L) {
                    FloatVector gx = FloatVector.fromArray(S, gd, gb + j);
                    if (w != null) gx = gx.mul(FloatVector.fromArray(S, w, wo + j));
                    FloatVector.fromArray(S, d, b + j).sub(mv).fma(k2v, gx.sub(mgv)).mul(rsv).intoArray(o, oi + j);
                }
                for (; j < n; j++) {
                    float gx = w == null ? gd[gb + j] : gd[gb + j] * w[wo + j];
                    o[oi + j] = Math.fma(d[b + j] - mu, -k2, gx - mg) * rs;
                }
            }
        });
        return out;
    }

    /** Rows per partial sum of {@link #layerNormBackwardAffine}: fixed, so the sums never depend on the threads. */
    private static final int AFFINE_ROWS = 64;

    /**
     * The weight and bias gradients of layerNorm, [2, n] (see Backend#layerNormBackwardAffine): row 0 the sum over
     * rows of gy * xhat, row 1 the sum of gy. Blocks of AFFINE_ROWS rows are summed in parallel into float vector
     * partials, which are then added block after block in row order.
     */
    static Tensor layerNormBackwardAffine(Tensor x, Tensor gy, float eps) {
        int n = lastDim(x), rows = x.numel() / Math.max(1, n), blocks = (rows + AFFINE_ROWS - 1) / AFFINE_ROWS;
        float[] d = x.data(), gd = gy.data();
        int off = x.offset(), goff = gy.offset();
        float[] part = new float[blocks * 2 * n];
        Parallel.forChunks(blocks, Parallel.grain(3L * n * AFFINE_ROWS, 1L << 15), (s, e) -> {
            for (int blk = s; blk < e; blk++) {
                int pa = blk * 2 * n, pb = pa + n;
                for (int r = blk * AFFINE_ROWS, rEnd = Math.min(rows, r + AFFINE_ROWS); r < rEnd; r++) {
                    int b = off + r * n, gb = goff + r * n;
                    float mu = (float) (sum(d, b, n) / n);
                    float rs = (float) (1.0 / Math.sqrt(sumSqDev(d, b, n, mu) / n + eps));
                    FloatVector mv = FloatVector.broadcast(S, mu), rsv = FloatVector.broadcast(S, rs);
                    int j = 0;
                    for (; j <= n - L; j += L) {
                        FloatVector g = FloatVector.fromArray(S, gd, gb + j);
                        FloatVector xh = FloatVector.fromArray(S, d, b + j).sub(mv).mul(rsv);
                        xh.fma(g, FloatVector.fromArray(S, part, pa + j)).intoArray(part, pa + j);
                        g.add(FloatVector.fromArray(S, part, pb + j)).intoArray(part, pb + j);
                    }
                    for (; j < n; j++) {
                        float g = gd[gb + j];
                        part[pa + j] = Math.fma((d[b + j] - mu) * rs, g, part[pa + j]);
                        part[pb + j] += g;
                    }
                }
            }
        });
        Tensor out = Tensor.empty(2, n);
        float[] o = out.data();
        for (int blk = 0; blk < blocks; blk++)
            for (int j = 0; j < 2 * n; j++) o[j] += part[blk * 2 * n + j];
        return out;
    }

    /** The weight and bias gradients of groupNorm, [2, C] (see Backend#groupNormBackwardAffine); sums over images in order. */
    static Tensor groupNormBackwardAffine(Tensor x, Tensor gy, int groups, float eps) {
        int nb = x.size(0), c = x.size(1);
        float[] stats = new float[2 * nb * groups], sums = new float[2 * nb * c];
        groupNormGradSums(x, gy, groups, eps, stats, sums);
        Tensor out = Tensor.empty(2, c);
        float[] o = out.data();
        for (int ch = 0; ch < c; ch++) {
            double a = 0, b = 0;
            for (int i = 0; i < nb; i++) { a += sums[2 * (i * c + ch)]; b += sums[2 * (i * c + ch) + 1]; }
            o[ch] = (float) a;
            o[c + ch] = (float) b;
        }
        return out;
    }

    private static void affine(float[] d, int di, float[] o, int oi, int n, float mu, float a, float k) {
        FloatVector mv = FloatVector.broadcast(S, mu), av = FloatVector.broadcast(S, a), kv = FloatVector.broadcast(S, k);
        int j = 0;
        for (; j <= n - L; j += L) FloatVector.fromArray(S, d, di + j).sub(mv).fma(av, kv).intoArray(o, oi + j);
        for (; j < n; j++) o[oi + j] = Math.fma(d[di + j] - mu, a, k);
    }
}
