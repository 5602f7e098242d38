package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;

/**
 * 2-D convolution and its two gradients as GEMMs over im2col matrices, one image at a time (the GEMM is parallel
 * inside). A 1x1, stride-1, unpadded convolution uses the image itself as the GEMM operand. The weight gradient sums
 * over the batch by accumulating image after image into the same output, in batch order.
 */
final class Conv {
    private Conv() {}

    static int outSize(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

    private static boolean direct(int kh, int kw, int stride, int pad) { return kh == 1 && kw == 1 && stride == 1 && pad == 0; }

    static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        int n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
        int o = w.size(0), kh = w.size(2), kw = w.size(3);
        int oh = outSize(h, kh, stride, pad), ow = outSize(wd, kw, stride, pad), ohw = oh * ow, ckk = c * kh * kw;
        Tensor out = Tensor.empty(n, o, oh, ow);
        float[] y = out.data(), xd = x.data(), wdata = w.data();
        boolean direct = direct(kh, kw, stride, pad);
        // few output channels, stride 1: a direct convolution (below); otherwise the explicit im2col matrix is only
        // needed by the skinny path (few output channels, other strides)
        boolean fewOut = !direct && o <= Gemm.SKINNY_M;
        float[] wt = fewOut && stride == 1 ? tapWeights(wdata, w.offset(), o, ckk) : null;
        float[] col = fewOut && wt == null ? new float[ckk * ohw] : null;
        for (int b = 0; b < n; b++) {
            int yo = b * o * ohw;
            if (bias != null) {
                float[] bd = bias.data();
                for (int oc = 0; oc < o; oc++) java.util.Arrays.fill(y, yo + oc * ohw, yo + (oc + 1) * ohw, bd[bias.offset() + oc]);
            }
            if (direct) {
                Gemm.gemm(o, ohw, ckk, wdata, w.offset(), ckk, false, xd, x.offset() + b * c * h * wd, ohw, false, y, yo, ohw);
            } else if (o > Gemm.SKINNY_M) {
                // implicit GEMM: the im2col matrix is produced straight into packed B panels, never stored
                int xo = x.offset() + b * c * h * wd;
                Gemm.gemm(o, ohw, ckk, wdata, w.offset(), ckk, false, (Gemm.RowPacker) (bp, off, jp, r0, r1) ->
                        packIm2colPanel(xd, xo, h, wd, kh, kw, stride, pad, ow, ohw, bp, off, jp, r0, r1), y, yo, ohw);
            } else if (wt != null) {
                directFewOut(xd, x.offset() + b * c * h * wd, c, h, wd, kh, kw, pad, oh, ow, wt, biasValues(bias, o), o, y, yo);
            } else {
                im2col(xd, x.offset() + b * c * h * wd, c, h, wd, kh, kw, stride, pad, oh, ow, col);
                Gemm.gemm(o, ohw, ckk, wdata, w.offset(), ckk, false, col, 0, ohw, false, y, yo, ohw);
            }
        }
        return out;
    }

    /** The bias as 4 values (zeros past o, or all zeros without a bias). */
    private static float[] biasValues(Tensor bias, int o) {
        float[] bv = new float[4];
        if (bias != null) for (int oc = 0; oc < o; oc++) bv[oc] = bias.data()[bias.offset() + oc];
        return bv;
    }

    /** The weight [o, ckk] as [ckk][4]: per kernel tap, the (up to 4) output channels' weights, zeros past o. */
    private static float[] tapWeights(float[] w, int wo, int o, int ckk) {
        float[] wt = new float[ckk * 4];
        for (int oc = 0; oc < o; oc++)
            for (int p = 0; p < ckk; p++) wt[p * 4 + oc] = w[wo + oc * ckk + p];
        return wt;
    }

    /**
     * Stride-1 convolution to at most 4 output channels (the decoder's conv_out: 128 -> 3 at 256x256), computed
     * directly: an im2col matrix here would be C*kh*kw times the image (300 MB for conv_out) for a product with 3
     * rows. Pixels whose taps all lie inside the image row are done in chunks of 2 (or 1) vectors of pixels x 4
     * channels held in registers while all kernel taps are visited; the last chunk of a row ends at the last such
     * pixel and may overlap the one before (it writes the same values again); the pixels whose taps reach into the
     * padding go one by one. Each output is its bias plus the taps in (ic, u, v) order, skipping taps that fall into
     * the padding (they add zero), so the result does not depend on the threads or on which path a pixel took.
     */
    private static void directFewOut(float[] x, int xo, int c, int h, int wd, int kh, int kw, int pad, int oh, int ow,
                                     float[] wt, float[] bv, int o, float[] y, int yo) {
        final int l = Gemm.L, ohw = oh * ow;
        // pixels whose taps all lie inside the row: ox - pad >= 0 and ox - pad + kw - 1 <= wd - 1
        int xa = Math.min(ow, pad), xb = Math.max(xa, Math.min(ow, wd - kw + pad + 1));
        Parallel.forChunks(oh, Parallel.grain((long) c * kh * kw * ow * 4, 1L << 16), (s, e) -> {
            for (int oy = s; oy < e; oy++) {
                int yr = yo + oy * ow;
                int ox = xa;
                if (xb - xa >= 2 * l) {
                    for (; ox + 2 * l <= xb; ox += 2 * l) fewOut2(x, xo, c, h, wd, kh, kw, pad, oy, ox, wt, bv, o, y, yr, ohw);
                    if (ox < xb) fewOut2(x, xo, c, h, wd, kh, kw, pad, oy, xb - 2 * l, wt, bv, o, y, yr, ohw);
                    ox = xb;
                } else if (xb - xa >= l) {
                    for (; ox + l <= xb; ox += l) fewOut1(x, xo, c, h, wd, kh, kw, pad, oy, ox, wt, bv, o, y, yr, ohw);
                    if (ox < xb) fewOut1(x, xo, c, h, wd, kh, kw, pad, oy, xb - l, wt, bv, o, y, yr, ohw);
                    ox = xb;
                }
                for (int px = 0; px < ow; px++)
                    if (px < xa || px >= ox) fewOutScalar(x, xo, c, h, wd, kh, kw, pad, oy, px, wt, bv, o, y, yr, ohw);
            }
        });
    }

    /** Output pixels [ox, ox + 2L) of row oy, all channels (up to 4): 8 accumulators over every tap. */
    private static void fewOut2(float[] x, int xo, int c, int h, int wd, int kh, int kw, int pad, int oy, int ox,
                                float[] wt, float[] bv, int o, float[] y, int yr, int ohw) {
        final int l = Gemm.L;
        int y0 = yr + ox, y1 = y0 + ohw, y2 = y1 + ohw, y3 = y2 + ohw;
        FloatVector a0 = FloatVector.broadcast(Gemm.S, bv[0]), b0 = a0, a1 = FloatVector.broadcast(Gemm.S, bv[1]), b1 = a1;
        FloatVector a2 = FloatVector.broadcast(Gemm.S, bv[2]), b2 = a2, a3 = FloatVector.broadcast(Gemm.S, bv[3]), b3 = a3;
        for (int ic = 0; ic < c; ic++)
            for (int u = 0; u < kh; u++) {
                int iy = oy - pad + u;
                if (iy < 0 || iy >= h) continue;
                int row = xo + (ic * h + iy) * wd + ox - pad, t = ((ic * kh + u) * kw) * 4;
                for (int v = 0; v < kw; v++, t += 4) {
                    FloatVector p = FloatVector.fromArray(Gemm.S, x, row + v), q = FloatVector.fromArray(Gemm.S, x, row + v + l);
                    FloatVector w = FloatVector.broadcast(Gemm.S, wt[t]);
                    a0 = p.fma(w, a0); b0 = q.fma(w, b0);
                    w = FloatVector.broadcast(Gemm.S, wt[t + 1]);
                    a1 = p.fma(w, a1); b1 = q.fma(w, b1);
                    w = FloatVector.broadcast(Gemm.S, wt[t + 2]);
                    a2 = p.fma(w, a2); b2 = q.fma(w, b2);
                    w = FloatVector.broadcast(Gemm.S, wt[t + 3]);
                    a3 = p.fma(w, a3); b3 = q.fma(w, b3);
                }
            }
        a0.intoArray(y, y0); b0.intoArray(y, y0 + l);
        if (o > 1) { a1.intoArray(y, y1); b1.intoArray(y, y1 + l); }
        if (o > 2) { a2.intoArray(y, y2); b2.intoArray(y, y2 + l); }
        if (o > 3) { a3.intoArray(y, y3); b3.intoArray(y, y3 + l); }
    }

    /** Output pixels [ox, ox + L) of row oy, all channels (up to 4): 4 accumulators over every tap. */
    private static void fewOut1(float[] x, int xo, int c, int h, int wd, int kh, int kw, int pad, int oy, int ox,
                                float[] wt, float[] bv, int o, float[] y, int yr, int ohw) {
        int y0 = yr + ox, y1 = y0 + ohw, y2 = y1 + ohw, y3 = y2 + ohw;
        FloatVector a0 = FloatVector.broadcast(Gemm.S, bv[0]), a1 = FloatVector.broadcast(Gemm.S, bv[1]);
        FloatVector a2 = FloatVector.broadcast(Gemm.S, bv[2]), a3 = FloatVector.broadcast(Gemm.S, bv[3]);
        for (int ic = 0; ic < c; ic++)
            for (int u = 0; u < kh; u++) {
                int iy = oy - pad + u;
                if (iy < 0 || iy >= h) continue;
                int row = xo + (ic * h + iy) * wd + ox - pad, t = ((ic * kh + u) * kw) * 4;
                for (int v = 0; v < kw; v++, t += 4) {
                    FloatVector p = FloatVector.fromArray(Gemm.S, x, row + v);
                    a0 = p.fma(FloatVector.broadcast(Gemm.S, wt[t]), a0);
                    a1 = p.fma(FloatVector.broadcast(Gemm.S, wt[t + 1]), a1);
                    a2 = p.fma(FloatVector.broadcast(Gemm.S, wt[t + 2]), a2);
                    a3 = p.fma(FloatVector.broadcast(Gemm.S, wt[t + 3]), a3);
                }
            }
        a0.intoArray(y, y0);
        if (o > 1) a1.intoArray(y, y1);
        if (o > 2) a2.intoArray(y, y2);
        if (o > 3) a3.intoArray(y, y3);
    }

    /** One output pixel, all channels, taps clipped to the image. */
    private static void fewOutScalar(float[] x, int xo, int c, int h, int wd, int kh, int kw, int pad, int oy, int px,
                                     float[] wt, float[] bv, int o, float[] y, int yr, int ohw) {
        for (int oc = 0; oc < o; oc++) {
            float acc = bv[oc];
            for (int ic = 0; ic < c; ic++)
                for (int u = 0; u < kh; u++) {
                    int iy = oy - pad + u;
                    if (iy < 0 || iy >= h) continue;
                    int row = xo + (ic * h + iy) * wd;
                    for (int v = 0; v < kw; v++) {
                        int ix = px - pad + v;
                        if (ix >= 0 && ix < wd) acc = Math.fma(x[row + ix], wt[((ic * kh + u) * kw + v) * 4 + oc], acc);
                    }
                }
            y[yr + px + oc * ohw] = acc;
        }
    }

    static Tensor backwardInput(Tensor g, Tensor w, int h, int wd, int stride, int pad) {
        int n = g.size(0), o = g.size(1), oh = g.size(2), ow = g.size(3), ohw = oh * ow;
        int c = w.size(1), kh = w.size(2), kw = w.size(3), ckk = c * kh * kw;
        Tensor out = Tensor.empty(n, c, h, wd);
        float[] dx = out.data(), gd = g.data(), wdata = w.data();
        boolean direct = direct(kh, kw, stride, pad);
        float[] gcol = direct ? null : new float[ckk * ohw];
        for (int b = 0; b < n; b++) {
            int go = g.offset() + b * o * ohw;
            if (direct) {
                Gemm.gemm(c, ohw, o, wdata, w.offset(), ckk, true, gd, go, ohw, false, dx, b * c * h * wd, h * wd);
            } else {
                java.util.Arrays.fill(gcol, 0f);
                Gemm.gemm(ckk, ohw, o, wdata, w.offset(), ckk, true, gd, go, ohw, false, gcol, 0, ohw);
                col2im(gcol, c, h, wd, kh, kw, stride, pad, oh, ow, dx, b * c * h * wd);
            }
        }
        return out;
    }

    static Tensor backwardWeight(Tensor g, Tensor x, int kh, int kw, int stride, int pad) {
        int n = g.size(0), o = g.size(1), oh = g.size(2), ow = g.size(3), ohw = oh * ow;
        int c = x.size(1), h = x.size(2), wd = x.size(3), ckk = c * kh * kw;
        Tensor out = Tensor.empty(o, c, kh, kw);
        float[] dw = out.data(), gd = g.data(), xd = x.data();
        boolean direct = direct(kh, kw, stride, pad);
        float[] col = direct ? null : new float[ckk * ohw];
        for (int b = 0; b < n; b++) {
            int go = g.offset() + b * o * ohw, xo = x.offset() + b * c * h * wd;
            if (direct) {
                Gemm.gemm(o, ckk, ohw, gd, go, ohw, false, xd, xo, ohw, true, dw, 0, ckk);
            } else {
                im2col(xd, xo, c, h, wd, kh, kw, stride, pad, oh, ow, col);
                Gemm.gemm(o, ckk, ohw, gd, go, ohw, false, col, 0, ohw, true, dw, 0, ckk);
            }
        }
        return out;
    }

    /** col[(ic*kh + u)*kw + v][i*ow + j] = x[ic][i*stride - pad + u][j*stride - pad + v], zero outside. */
    static void im2col(float[] x, int xo, int c, int h, int wd, int kh, int kw, int stride, int pad, int oh, int ow, float[] col) {
        int rows = c * kh * kw, ohw = oh * ow;
        Parallel.forChunks(rows, Parallel.grain(ohw, 1L << 15), (s, e) -> {
            for (int row = s; row < e; row++) {
                int v = row % kw, u = (row / kw) % kh, ic = row / (kw * kh);
                int base = row * ohw, plane = xo + ic * h * wd;
                // output columns j whose input column j*stride - pad + v lies inside [0, wd)
                int jLo = Math.max(0, ceilDiv(pad - v, stride)), jHi = Math.min(ow, ceilDiv(wd + pad - v, stride));
                for (int i = 0; i < oh; i++) {
                    int yy = i * stride - pad + u, dst = base + i * ow;
                    if (yy < 0 || yy >= h || jLo >= jHi) { java.util.Arrays.fill(col, dst, dst + ow, 0f); continue; }
                    java.util.Arrays.fill(col, dst, dst + jLo, 0f);
                    int src = plane + yy * wd - pad + v;
                    if (stride == 1) System.arraycopy(x, src + jLo, col, dst + jLo, jHi - jLo);
                    else for (int j = jLo; j < jHi; j++) col[dst + j] = x[src + j * stride];
                    java.util.Arrays.fill(col, dst + jHi, dst + ow, 0f);
                }
            }
        });
    }

    /**
     * Panel {@code jp} (output pixels [jp*NR, jp*NR + NR)) of the im2col matrix, all ckk rows, in the packed B layout
     * {@code bp[base + p*NR + jj]}. Pixels of one output row are a run: for stride 1 a clipped copy of an input
     * row segment, zeros where the kernel hangs over the padding.
     */
    static void packIm2colPanel(float[] x, int xo, int h, int wd, int kh, int kw, int stride, int pad, int ow,
                                int ohw, float[] bp, int base, int jp, int r0, int r1) {
        final int nr = Gemm.NR;
        int j0 = jp * nr, cols = Math.min(nr, ohw - j0);
        if (stride == 1) {
            packIm2colPanelS1(x, xo, h, wd, kh, kw, pad, ow, bp, base, j0, cols, r0, r1);
            return;
        }
        for (int p = r0; p < r1; p++) {
            int v = p % kw, u = (p / kw) % kh, ic = p / (kw * kh);
            int plane = xo + ic * h * wd, dst = base + p * nr;
            int jj = 0;
            while (jj < cols) {
                int j = j0 + jj, oy = j / ow, ox = j % ow, seg = Math.min(cols - jj, ow - ox);
                int iy = oy * stride - pad + u;
                if (iy < 0 || iy >= h) {
                    java.util.Arrays.fill(bp, dst + jj, dst + jj + seg, 0f);
                } else {
                    int row = plane + iy * wd, ix0 = ox * stride - pad + v;
                    if (stride == 1) {
                        // input columns ix0 .. ix0+seg-1, of which [lo, hi) lie inside the row
                        int lo = Math.max(0, -ix0), hi = Math.min(seg, wd - ix0);
                        if (hi <= lo) java.util.Arrays.fill(bp, dst + jj, dst + jj + seg, 0f);
                        else {
                            java.util.Arrays.fill(bp, dst + jj, dst + jj + lo, 0f);
                            System.arraycopy(x, row + ix0 + lo, bp, dst + jj + lo, hi - lo);
                            java.util.Arrays.fill(bp, dst + jj + hi, dst + jj + seg, 0f);
                        }
                    } else {
                        for (int t = 0; t < seg; t++) {
                            int ix = ix0 + t * stride;
                            bp[dst + jj + t] = ix >= 0 && ix < wd ? x[row + ix] : 0f;
                        }
                    }
                }
                jj += seg;
            }
            if (cols < nr) java.util.Arrays.fill(bp, dst + cols, dst + nr, 0f);
        }
    }

    /**
     * The stride-1 case of {@link #packIm2colPanel} (every 3x3 conv of the decoder), which is most of the im2col work:
     * the kernel taps (ic, u, v) are walked in row order without divisions, and each output-row run is copied with
     * vector moves, the few padded pixels at its ends zeroed one by one. Per packed element this is a fraction of
     * the previous per-tap arraycopy/fill calls (the pack took about a third of a 128-channel conv at 256x256).
     */
    private static void packIm2colPanelS1(float[] x, int xo, int h, int wd, int kh, int kw, int pad, int ow,
                                          float[] bp, int base, int j0, int cols, int r0, int r1) {
        final int nr = Gemm.NR, l = Gemm.L;
        int oy0 = j0 / ow, ox0 = j0 % ow;
        // rows [r0, r1) are the kernel taps (ic, u, v) in row order, starting at r0's
        int ic = r0 / (kh * kw), u = (r0 / kw) % kh, v = r0 % kw;
        for (int p = r0; p < r1; p++) {
            int plane = xo + ic * h * wd, dst = base + p * nr;
            for (int jj = 0, oy = oy0, ox = ox0; jj < cols; oy++, ox = 0) {
                int seg = Math.min(cols - jj, ow - ox), iy = oy - pad + u, d = dst + jj;
                jj += seg;
                if (iy < 0 || iy >= h) {
                    for (int t = 0; t < seg; t++) bp[d + t] = 0f;
                    continue;
                }
                // input columns ix0 .. ix0+seg-1 of row iy, of which [lo, hi) lie inside the row
                int ix0 = ox - pad + v, src = plane + iy * wd + ix0;
                int lo = Math.max(0, Math.min(seg, -ix0)), hi = Math.max(lo, Math.min(seg, wd - ix0));
                for (int t = 0; t < lo; t++) bp[d + t] = 0f;
                int t = lo;
                for (; t <= hi - l; t += l) FloatVector.fromArray(Gemm.S, x, src + t).intoArray(bp, d + t);
                for (; t < hi; t++) bp[d + t] = x[src + t];
                for (t = hi; t < seg; t++) bp[d + t] = 0f;
            }
            for (int jj = cols; jj < nr; jj++) bp[dst + jj] = 0f;
            if (++v == kw) { v = 0; if (++u == kh) { u = 0; ic++; } }
        }
    }

    private static int ceilDiv(int a, int b) { return -Math.floorDiv(-a, b); }

    /** dx[ic] += scatter of gcol rows (ic, u, v); parallel over channels so each element sums in a fixed order. */
    static void col2im(float[] gcol, int c, int h, int wd, int kh, int kw, int stride, int pad, int oh, int ow, float[] dx, int dxo) {
        int ohw = oh * ow;
        Parallel.forChunks(c, Parallel.grain((long) kh * kw * ohw, 1L << 15), (s, e) -> {
            for (int ic = s; ic < e; ic++) {
                int plane = dxo + ic * h * wd;
                for (int u = 0; u < kh; u++)
                    for (int v = 0; v < kw; v++) {
                        int base = ((ic * kh + u) * kw + v) * ohw;
                        int jLo = Math.max(0, ceilDiv(pad - v, stride)), jHi = Math.min(ow, ceilDiv(wd + pad - v, stride));
                        for (int i = 0; i < oh; i++) {
                            int yy = i * stride - pad + u;
                            if (yy < 0 || yy >= h) continue;
                            int dst = plane + yy * wd - pad + v, src = base + i * ow;
                            for (int j = jLo; j < jHi; j++) dx[dst + j * stride] += gcol[src + j];
                        }
                    }
            }
        });
    }
}
