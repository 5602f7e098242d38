package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;

/**
 * 2-D convolution and its two gradients as GEMMs (parallel inside). More than 4 output channels: implicit GEMMs
 * over groups of images (the im2col matrix packed straight into B panels); the stride-1 input gradient is such a
 * convolution with the flipped, transposed kernel; the weight gradient is one GEMM per group of images over the
 * group's im2col matrix, accumulated group after group in batch order. A 1x1, stride-1, unpadded convolution uses
 * the image itself as the GEMM operand; at most 4 output channels, stride 1: a direct convolution.
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
        if (!direct && o > Gemm.SKINNY_M) {
            implicitConv(xd, x.offset(), n, c, h, wd, wdata, w.offset(), o, kh, kw, stride, pad, bias, y);
            return out;
        }
        // few output channels, stride 1: a direct convolution (below); otherwise the explicit im2col matrix is only
        // needed by the skinny path (few output channels, other strides)
        boolean fewOut = !direct;
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
            } else if (wt != null) {
                directFewOut(xd, x.offset() + b * c * h * wd, c, h, wd, kh, kw, pad, oh, ow, wt, biasValues(bias, o), o, y, yo);
            } else {
                im2col(xd, x.offset() + b * c * h * wd, 1, c, h, wd, kh, kw, stride, pad, oh, ow, col, ohw);
                Gemm.gemm(o, ohw, ckk, wdata, w.offset(), ckk, false, col, 0, ohw, false, y, yo, ohw);
            }
        }
        return out;
    }

    /** Output columns (pixels of consecutive images) per GEMM of a batched convolution or weight gradient. */
    static final int GROUP_COLS = Integer.getInteger("svg.conv.cols", 4096);

    /** Images per GEMM: whole images, about GROUP_COLS pixels (never depends on the thread count). */
    static int groupImages(int n, int ohw) { return Math.max(1, Math.min(n, GROUP_COLS / Math.max(1, ohw))); }

    /**
     * Implicit-GEMM convolution of a batch: images are taken in groups (about GROUP_COLS output pixels), and each
     * group is one GEMM of W [o x ckk] by the group's im2col matrix [ckk x (images * pixels)], which is produced
     * straight into packed B panels from a zero-bordered copy of the group's input (no clipping in the packing;
     * without padding, the input itself). One parallel region per group instead of one per image, and panels run
     * across image boundaries (an 8x8 image is 64 columns: one and a third 48-column panels on its own). The GEMM
     * writes [o][group pixels] into a scratch matrix, copied out to [image][o][pixels]. Each output is its bias plus
     * the taps in (ic, u, v) order, K block by K block, whatever the threads.
     */
    static void implicitConv(float[] xd, int xOff, int n, int c, int h, int wd, float[] wdata, int wOff, int o, int kh, int kw,
                             int stride, int pad, Tensor bias, float[] y) {
        int oh = outSize(h, kh, stride, pad), ow = outSize(wd, kw, stride, pad), ohw = oh * ow, ckk = c * kh * kw;
        int hp = h + 2 * pad, wp = wd + 2 * pad, plane = hp * wp, img = c * plane;
        int per = groupImages(n, ohw);
        // zero-bordered input of one group (also without padding: the L floats of slack after it let the packing
        // read whole vectors past a row's end)
        float[] xp = new float[per * img + Gemm.L];
        float[] tmp = per > 1 ? new float[o * per * ohw] : null;
        for (int b0 = 0; b0 < n; b0 += per) {
            int cnt = Math.min(per, n - b0), cols = cnt * ohw;
            padInto(xd, xOff + b0 * c * h * wd, cnt * c, h, wd, pad, xp);
            float[] cb = cnt > 1 ? tmp : y;
            int cOff = cnt > 1 ? 0 : b0 * o * ohw, ldc = cnt > 1 ? cols : ohw, first = b0;
            // the bias fill and the copy-out are parallel too: done by one thread they were a sixth of the time of a
            // 2-thread convolution of 8x8 images
            Parallel.forChunks(o, Parallel.grain(cols, 1L << 14), (s0, e0) -> {
                for (int oc = s0; oc < e0; oc++)
                    java.util.Arrays.fill(cb, cOff + oc * ldc, cOff + oc * ldc + cols, bias == null ? 0f : bias.data()[bias.offset() + oc]);
            });
            Gemm.gemm(o, cols, ckk, wdata, wOff, ckk, false, (Gemm.RowPacker) (bp, off, jp, r0, r1) ->
                    packPadded(xp, 0, img, plane, wp, kh, kw, stride, oh, ow, ohw, cols, bp, off, jp, r0, r1), cb, cOff, ldc);
            if (cnt > 1)
                Parallel.forChunks(cnt * o, Parallel.grain(ohw, 1L << 14), (s0, e0) -> {
                    for (int q = s0; q < e0; q++) {
                        int bi = q / o, oc = q % o;
                        System.arraycopy(tmp, oc * cols + bi * ohw, y, (first + bi) * o * ohw + oc * ohw, ohw);
                    }
                });
        }
    }

    /** planes [h x wd] from x at xo into dst as [hp x wp] planes with a zero border of pad (dst's border stays 0). */
    private static void padInto(float[] x, int xo, int planes, int h, int wd, int pad, float[] dst) {
        int wp = wd + 2 * pad, plane = (h + 2 * pad) * wp;
        Parallel.forChunks(planes, Parallel.grain((long) h * wd, 1L << 15), (s, e) -> {
            for (int q = s; q < e; q++)
                for (int i = 0; i < h; i++) System.arraycopy(x, xo + (q * h + i) * wd, dst, q * plane + (i + pad) * wp + pad, wd);
        });
    }

    /** Per-thread run table of one panel for packPadded: [source offset, panel column, length, vector part] per run. */
    private static final ThreadLocal<int[]> RUNS = ThreadLocal.withInitial(() -> new int[4 * Gemm.NR]);

    /**
     * Rows [r0, r1) (kernel taps (ic, u, v)) of panel {@code jp} (columns [jp*NR, jp*NR + NR) of a group's im2col
     * matrix, columns = (image, output pixel)) in the packed B layout {@code bp[off + p*NR + jj]}, read from a
     * zero-bordered input (image stride {@code img}, plane {@code plane}, row {@code wp}, at least L floats of slack
     * after the last image): tap (ic, u, v) of output (oy, ox) is {@code x[ic][oy*stride + u][ox*stride + v]}, never
     * outside. The panel's columns are runs of consecutive pixels of one output row; the runs (where each starts in
     * the input relative to the tap, and in the panel) are worked out once per call, then every tap row is the same
     * runs at the tap's offset. Stride 1: each run is copied with whole vectors, the last of which may run past the
     * run's end (the next run overwrites those elements, the padding columns are zeroed last), never past the
     * panel row.
     */
    static void packPadded(float[] x, int xo, int img, int plane, int wp, int kh, int kw, int stride, int oh, int ow,
                           int ohw, int n, float[] bp, int off, int jp, int r0, int r1) {
        final int nr = Gemm.NR, l = Gemm.L;
        int j0 = jp * nr, cols = Math.min(nr, n - j0);
        int[] runs = RUNS.get();
        int nrun = 0;
        for (int jj = 0, im = j0 / ohw, oy = (j0 % ohw) / ow, ox = (j0 % ohw) % ow; jj < cols; nrun++) {
            int len = Math.min(cols - jj, ow - ox), whole = (len + l - 1) / l * l;
            runs[4 * nrun] = im * img + oy * stride * wp + ox * stride;
            runs[4 * nrun + 1] = jj;
            runs[4 * nrun + 2] = len;
            runs[4 * nrun + 3] = jj + whole <= nr ? whole : len / l * l;
            jj += len;
            ox = 0;
            if (++oy == oh) { oy = 0; im++; }
        }
        int ic = r0 / (kh * kw), u = (r0 / kw) % kh, v = r0 % kw;
        if (stride != 1) {
            for (int p = r0; p < r1; p++) {
                int dst = off + p * nr, tap = xo + ic * plane + u * wp + v;
                for (int q = 0; q < 4 * nrun; q += 4) {
                    int sx = tap + runs[q], d = dst + runs[q + 1], len = runs[q + 2];
                    for (int t = 0; t < len; t++) bp[d + t] = x[sx + t * stride];
                }
                for (int jj = cols; jj < nr; jj++) bp[dst + jj] = 0f;
                if (++v == kw) { v = 0; if (++u == kh) { u = 0; ic++; } }
            }
            return;
        }
        // stride 1: run by run, each over all the tap rows (a tight loop of one to three vector copies per row)
        int[] taps = TAPS.get();
        if (taps.length < r1 - r0) TAPS.set(taps = new int[r1 - r0]);
        for (int p = 0; p < r1 - r0; p++) {
            taps[p] = xo + ic * plane + u * wp + v;
            if (++v == kw) { v = 0; if (++u == kh) { u = 0; ic++; } }
        }
        int rows = r1 - r0, base = off + r0 * nr;
        for (int q = 0; q < 4 * nrun; q += 4) {
            int sx = runs[q], d = base + runs[q + 1], len = runs[q + 2], vec = runs[q + 3];
            if (vec == len || vec == (len + l - 1) / l * l) {
                if (vec == l) {
                    for (int p = 0; p < rows; p++, d += nr) FloatVector.fromArray(Gemm.S, x, taps[p] + sx).intoArray(bp, d);
                } else if (vec == 2 * l) {
                    for (int p = 0; p < rows; p++, d += nr) {
                        int xs = taps[p] + sx;
                        FloatVector.fromArray(Gemm.S, x, xs).intoArray(bp, d);
                        FloatVector.fromArray(Gemm.S, x, xs + l).intoArray(bp, d + l);
                    }
                } else {
                    for (int p = 0; p < rows; p++, d += nr)
                        for (int t = 0; t < vec; t += l) FloatVector.fromArray(Gemm.S, x, taps[p] + sx + t).intoArray(bp, d + t);
                }
            } else {
                for (int p = 0; p < rows; p++, d += nr) {
                    int xs = taps[p] + sx, t = 0;
                    for (; t < vec; t += l) FloatVector.fromArray(Gemm.S, x, xs + t).intoArray(bp, d + t);
                    for (; t < len; t++) bp[d + t] = x[xs + t];
                }
            }
        }
        if (cols < nr)
            for (int p = 0, dst = base; p < rows; p++, dst += nr) java.util.Arrays.fill(bp, dst + cols, dst + nr, 0f);
    }

    /** Per-thread input offsets of the tap rows of one packPadded call. */
    private static final ThreadLocal<int[]> TAPS = ThreadLocal.withInitial(() -> new int[Gemm.KC]);

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

    /**
     * The input gradient. Stride 1 with a square kernel and pad < k (every 3x3 and 1x1 conv of the networks) is the
     * forward convolution of the output gradient with the flipped, transposed kernel (wT[ic][oc][u][v] =
     * w[oc][ic][k-1-u][k-1-v]) and padding k-1-pad: the batched implicit GEMM of conv2d, no im2col matrix and no
     * col2im scatter. Other geometries: per image, the GEMM into a column matrix, then col2im.
     */
    static Tensor backwardInput(Tensor g, Tensor w, int h, int wd, int stride, int pad) {
        int n = g.size(0), o = g.size(1), oh = g.size(2), ow = g.size(3), ohw = oh * ow;
        int c = w.size(1), kh = w.size(2), kw = w.size(3), ckk = c * kh * kw;
        boolean direct = direct(kh, kw, stride, pad);
        if (!direct && stride == 1 && kh == kw && pad < kh) {
            float[] wt = new float[c * o * kh * kw], wd0 = w.data();
            int kk = kh * kw, wo = w.offset();
            for (int oc = 0; oc < o; oc++)
                for (int ic = 0; ic < c; ic++)
                    for (int t = 0; t < kk; t++) wt[(ic * o + oc) * kk + t] = wd0[wo + (oc * c + ic) * kk + kk - 1 - t];
            return conv2d(g, Tensor.of(wt, c, o, kh, kw), null, 1, kh - 1 - pad);
        }
        Tensor out = Tensor.empty(n, c, h, wd);
        float[] dx = out.data(), gd = g.data(), wdata = w.data();
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

    /**
     * The weight gradient dW [o x ckk] = sum over images and pixels of gradOut [o x pixels] times im2col^T. Images go
     * in groups (about GROUP_COLS pixels): per group the output gradient is laid out as [o][group pixels] and the
     * im2col matrix as [ckk][group pixels], and one GEMM (K = the group's pixels) accumulates into dW. The sum runs
     * group by group, K block by K block, in a fixed order whatever the threads. A 1x1 stride-1 unpadded conv uses
     * the images themselves.
     */
    static Tensor backwardWeight(Tensor g, Tensor x, int kh, int kw, int stride, int pad) {
        int n = g.size(0), o = g.size(1), oh = g.size(2), ow = g.size(3), ohw = oh * ow;
        int c = x.size(1), h = x.size(2), wd = x.size(3), ckk = c * kh * kw;
        Tensor out = Tensor.empty(o, c, kh, kw);
        float[] dw = out.data(), gd = g.data(), xd = x.data();
        if (direct(kh, kw, stride, pad)) {
            for (int b = 0; b < n; b++)
                Gemm.gemm(o, ckk, ohw, gd, g.offset() + b * o * ohw, ohw, false, xd, x.offset() + b * c * h * wd, ohw, true, dw, 0, ckk);
            return out;
        }
        if (stride == 1) return weightGradStride1(g, x, kh, kw, pad, out);
        int per = groupImages(n, ohw);
        float[] col = new float[ckk * per * ohw], gt = per > 1 ? new float[o * per * ohw] : null;
        for (int b0 = 0; b0 < n; b0 += per) {
            int cnt = Math.min(per, n - b0), cols = cnt * ohw;
            im2col(xd, x.offset() + b0 * c * h * wd, cnt, c, h, wd, kh, kw, stride, pad, oh, ow, col, cols);
            float[] a = gd;
            int aOff = g.offset() + b0 * o * ohw;
            if (cnt > 1) {
                for (int bi = 0; bi < cnt; bi++)
                    for (int oc = 0; oc < o; oc++)
                        System.arraycopy(gd, aOff + (bi * o + oc) * ohw, gt, oc * cols + bi * ohw, ohw);
                a = gt;
                aOff = 0;
            }
            Gemm.gemm(o, ckk, cols, a, aOff, cols, false, col, 0, cols, true, dw, 0, ckk);
        }
        return out;
    }

    /**
     * The stride-1 weight gradient as GEMMs over channel-last data, without an im2col matrix. Images go in groups
     * (about GROUP_COLS output pixels). Per group the input is copied once into a zero-bordered channel-last layout
     * xcl[image][iy][ix][ic] (rows of wp = w + 2 pad pixels); the im2col row of pixel (image, oy, ox) for tap (u, v)
     * is then the contiguous run of c channels at pixel (oy + u, ox + v). So dW' [o x (kh*kw*c)] (columns ordered
     * tap-major: (u, v, ic)) += G [o x pixels] times B [pixels x (kh*kw*c)], with B produced straight into packed
     * panels by runs of whole-vector copies (a panel row is at most a few runs, one per tap it spans); no transposing
     * pack. At the end dW' is reordered to [o][ic][u][v]. Each element sums group by group, K block by K block, in
     * an order that does not depend on the threads.
     */
    private static Tensor weightGradStride1(Tensor g, Tensor x, int kh, int kw, int pad, Tensor out) {
        int n = g.size(0), o = g.size(1), oh = g.size(2), ow = g.size(3), ohw = oh * ow;
        int c = x.size(1), h = x.size(2), wd = x.size(3), kk = kh * kw, ckk = c * kk;
        int hp = h + 2 * pad, wp = wd + 2 * pad, img = hp * wp * c;
        int per = groupImages(n, ohw);
        float[] xcl = new float[per * img + Gemm.L], gd = g.data(), xd = x.data();
        float[] gt = per > 1 ? new float[o * per * ohw] : null;
        float[] dwt = new float[o * ckk];
        int[] tapOff = new int[kk];
        for (int t = 0; t < kk; t++) tapOff[t] = ((t / kw) * wp + t % kw) * c;
        for (int b0 = 0; b0 < n; b0 += per) {
            int cnt = Math.min(per, n - b0), cols = cnt * ohw, xo = x.offset() + b0 * c * h * wd;
            // channel-last copy of the group's images into the interior of xcl (its border stays zero)
            Parallel.forChunks(cnt * h, Parallel.grain((long) c * wd, 1L << 14), (s, e) -> {
                for (int r = s; r < e; r++) {
                    int bi = r / h, iy = r % h, dst = ((bi * hp + iy + pad) * wp + pad) * c;
                    int ic = 0, src = xo + (bi * c * h + iy) * wd, cs = h * wd;
                    for (; ic + 4 <= c; ic += 4, src += 4 * cs)
                        for (int ix = 0, d = dst + ic; ix < wd; ix++, d += c) {
                            xcl[d] = xd[src + ix];
                            xcl[d + 1] = xd[src + cs + ix];
                            xcl[d + 2] = xd[src + 2 * cs + ix];
                            xcl[d + 3] = xd[src + 3 * cs + ix];
                        }
                    for (; ic < c; ic++, src += cs)
                        for (int ix = 0; ix < wd; ix++) xcl[dst + ix * c + ic] = xd[src + ix];
                }
            });
            float[] a = gd;
            int aOff = g.offset() + b0 * o * ohw;
            if (cnt > 1) {
                int src = aOff;
                Parallel.forChunks(cnt * o, Parallel.grain(ohw, 1L << 14), (s0, e0) -> {
                    for (int q = s0; q < e0; q++) {
                        int bi = q / o, oc = q % o;
                        System.arraycopy(gd, src + (bi * o + oc) * ohw, gt, oc * cols + bi * ohw, ohw);
                    }
                });
                a = gt;
                aOff = 0;
            }
            Gemm.gemm(o, ckk, cols, a, aOff, cols, false, (Gemm.RowPacker) (bp, off, jp, r0, r1) ->
                    packChannelLast(xcl, img, hp, wp, c, ckk, tapOff, oh, ow, ohw, bp, off, jp, r0, r1), dwt, 0, ckk);
        }
        float[] dw = out.data();
        for (int oc = 0; oc < o; oc++)
            for (int t = 0; t < kk; t++)
                for (int ic = 0; ic < c; ic++) dw[(oc * c + ic) * kk + t] = dwt[oc * ckk + t * c + ic];
        return out;
    }

    /**
     * Rows [r0, r1) (output pixels (image, oy, ox) of a group) of panel {@code jp} (columns (tap, ic) from jp*NR) of
     * the weight gradient's B operand, read from the channel-last zero-bordered input: element (pixel, (t, ic)) is
     * xcl[image*img + ((oy*wp + ox)*c + tapOff[t] + ic]. A panel row is one run of consecutive channels per tap it
     * spans, copied with whole vectors where they fit in both the run and the panel row.
     */
    static void packChannelLast(float[] xcl, int img, int hp, int wp, int c, int ncols, int[] tapOff, int oh, int ow, int ohw,
                                float[] bp, int off, int jp, int r0, int r1) {
        final int nr = Gemm.NR, l = Gemm.L;
        int j0 = jp * nr, cols = Math.min(nr, ncols - j0);
        int[] runs = RUNS.get();
        int nrun = 0;
        for (int jj = 0; jj < cols; nrun++) {
            int j = j0 + jj, t = j / c, ic = j % c, len = Math.min(cols - jj, c - ic);
            runs[3 * nrun] = tapOff[t] + ic;
            runs[3 * nrun + 1] = jj;
            runs[3 * nrun + 2] = len;
            jj += len;
        }
        // the rows' pixel offsets, then run by run over all the rows (as packPadded)
        int[] pix = TAPS.get();
        if (pix.length < r1 - r0) TAPS.set(pix = new int[r1 - r0]);
        int bi = r0 / ohw, p = r0 % ohw, oy = p / ow, ox = p % ow, rows = r1 - r0, base = off + r0 * nr;
        for (int k = 0; k < rows; k++) {
            pix[k] = bi * img + (oy * wp + ox) * c;
            if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; bi++; } }
        }
        for (int q = 0; q < 3 * nrun; q += 3) {
            int sx = runs[q], d = base + runs[q + 1], len = runs[q + 2], vec = len / l * l;
            if (vec == len && len <= 3 * l) {
                if (len == l) {
                    for (int k = 0; k < rows; k++, d += nr) FloatVector.fromArray(Gemm.S, xcl, pix[k] + sx).intoArray(bp, d);
                } else if (len == 2 * l) {
                    for (int k = 0; k < rows; k++, d += nr) {
                        int xs = pix[k] + sx;
                        FloatVector.fromArray(Gemm.S, xcl, xs).intoArray(bp, d);
                        FloatVector.fromArray(Gemm.S, xcl, xs + l).intoArray(bp, d + l);
                    }
                } else {
                    for (int k = 0; k < rows; k++, d += nr) {
                        int xs = pix[k] + sx;
                        FloatVector.fromArray(Gemm.S, xcl, xs).intoArray(bp, d);
                        FloatVector.fromArray(Gemm.S, xcl, xs + l).intoArray(bp, d + l);
                        FloatVector.fromArray(Gemm.S, xcl, xs + 2 * l).intoArray(bp, d + 2 * l);
                    }
                }
            } else {
                for (int k = 0; k < rows; k++, d += nr) {
                    int xs = pix[k] + sx, tt = 0;
                    for (; tt < vec; tt += l) FloatVector.fromArray(Gemm.S, xcl, xs + tt).intoArray(bp, d + tt);
                    for (; tt < len; tt++) bp[d + tt] = xcl[xs + tt];
                }
            }
        }
        if (cols < nr)
            for (int k = 0, dst = base; k < rows; k++, dst += nr) java.util.Arrays.fill(bp, dst + cols, dst + nr, 0f);
    }

    /**
     * The im2col matrices of {@code imgs} consecutive images side by side, row stride ld: col[((ic*kh + u)*kw + v)*ld
     * + b*oh*ow + i*ow + j] = x[b][ic][i*stride - pad + u][j*stride - pad + v], zero outside. Parallel over rows.
     */
    static void im2col(float[] x, int xo, int imgs, int c, int h, int wd, int kh, int kw, int stride, int pad, int oh, int ow,
                       float[] col, int ld) {
        int rows = c * kh * kw, ohw = oh * ow;
        Parallel.forChunks(rows, Parallel.grain((long) imgs * ohw, 1L << 15), (s, e) -> {
            for (int row = s; row < e; row++) {
                int v = row % kw, u = (row / kw) % kh, ic = row / (kw * kh);
                // output columns j whose input column j*stride - pad + v lies inside [0, wd)
                int jLo = Math.max(0, ceilDiv(pad - v, stride)), jHi = Math.min(ow, ceilDiv(wd + pad - v, stride));
                for (int b = 0; b < imgs; b++) {
                    int base = row * ld + b * ohw, plane = xo + (b * c + ic) * h * wd;
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
            }
        });
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
