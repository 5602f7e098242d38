package svg.nn.inception;

import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;

import java.util.Arrays;

/**
 * The non-convolution layers of InceptionV3 on [N, C, H, W] tensors (inference only, no autograd): max and average
 * pooling, zero padding, global mean and the bilinear resize pytorch-fid applies to its input. Each loops over
 * (image, channel) planes in parallel.
 */
final class Pooling {
    private Pooling() {}

    static int outSize(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

    /** F.max_pool2d(x, k, stride, pad): padded positions never win (as -inf). */
    static Tensor maxPool(Tensor x, int k, int stride, int pad) {
        return pool(x, k, stride, pad, true);
    }

    /** F.avg_pool2d(x, k, stride, pad, count_include_pad=False): each window averages only its in-image pixels. */
    static Tensor avgPoolExcludePad(Tensor x, int k, int stride, int pad) {
        return pool(x, k, stride, pad, false);
    }

    private static Tensor pool(Tensor x, int k, int stride, int pad, boolean max) {
        int[] s = shape4(x, max ? "maxPool" : "avgPool");
        int planes = s[0] * s[1], h = s[2], w = s[3];
        int oh = outSize(h, k, stride, pad), ow = outSize(w, k, stride, pad);
        float[] in = x.toArray(), out = new float[planes * oh * ow];
        Parallel.forChunks(planes, Parallel.grain((long) oh * ow * k * k, 1L << 15), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int io = p * h * w, oo = p * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = Math.max(0, oy * stride - pad), y1 = Math.min(h, oy * stride - pad + k);
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = Math.max(0, ox * stride - pad), x1 = Math.min(w, ox * stride - pad + k);
                        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                        for (int yy = y0; yy < y1; yy++)
                            for (int xx = x0; xx < x1; xx++) {
                                float v = in[io + yy * w + xx];
                                acc = max ? Math.max(acc, v) : acc + v;
                            }
                        out[oo + oy * ow + ox] = max ? acc : acc / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        });
        return Tensor.of(out, s[0], s[1], oh, ow);
    }

    /** Zero padding of ph rows above and below and pw columns left and right (for the 1x7 / 7x1 convolutions). */
    static Tensor pad(Tensor x, int ph, int pw) {
        int[] s = shape4(x, "pad");
        int planes = s[0] * s[1], h = s[2], w = s[3], hp = h + 2 * ph, wp = w + 2 * pw;
        float[] in = x.toArray(), out = new float[planes * hp * wp];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < h; y++) System.arraycopy(in, (p * h + y) * w, out, (p * hp + y + ph) * wp + pw, w);
        return Tensor.of(out, s[0], s[1], hp, wp);
    }

    /** Mean over H and W: [N, C]. F.adaptive_avg_pool2d(x, 1) flattened. */
    static Tensor globalMean(Tensor x) {
        int[] s = shape4(x, "globalMean");
        int hw = s[2] * s[3];
        float[] in = x.toArray(), out = new float[s[0] * s[1]];
        for (int p = 0; p < out.length; p++) {
            double acc = 0;
            for (int i = 0; i < hw; i++) acc += in[p * hw + i];
            out[p] = (float) (acc / hw);
        }
        return Tensor.of(out, s[0], s[1]);
    }

    /**
     * Bilinear resize to oh x ow as F.interpolate(mode='bilinear', align_corners=False) without antialiasing:
     * source coordinate (dst + 0.5) * in / out - 0.5, clamped at 0, the last row / column repeated at the far edge.
     */
    static Tensor resizeBilinear(Tensor x, int oh, int ow) {
        int[] s = shape4(x, "resizeBilinear");
        int planes = s[0] * s[1], h = s[2], w = s[3];
        if (h == oh && w == ow) return x.contiguous();
        int[] ys0 = new int[oh], ys1 = new int[oh], xs0 = new int[ow], xs1 = new int[ow];
        float[] ly = new float[oh], lx = new float[ow];
        taps(h, oh, ys0, ys1, ly);
        taps(w, ow, xs0, xs1, lx);
        float[] in = x.toArray(), out = new float[planes * oh * ow];
        Parallel.forChunks(planes, 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int io = p * h * w, oo = p * oh * ow;
                for (int y = 0; y < oh; y++) {
                    int r0 = io + ys0[y] * w, r1 = io + ys1[y] * w;
                    float b = ly[y], a = 1 - b;
                    for (int xx = 0; xx < ow; xx++) {
                        float d = lx[xx], c = 1 - d;
                        out[oo + y * ow + xx] = a * (c * in[r0 + xs0[xx]] + d * in[r0 + xs1[xx]])
                                + b * (c * in[r1 + xs0[xx]] + d * in[r1 + xs1[xx]]);
                    }
                }
            }
        });
        return Tensor.of(out, s[0], s[1], oh, ow);
    }

    private static void taps(int in, int out, int[] i0, int[] i1, float[] frac) {
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double src = Math.max(0, (o + 0.5) * scale - 0.5);
            int lo = Math.min((int) src, in - 1);
            i0[o] = lo;
            i1[o] = Math.min(lo + 1, in - 1);
            frac[o] = (float) (src - lo);
        }
    }

    private static int[] shape4(Tensor x, String op) {
        if (x.dim() != 4) throw new IllegalArgumentException(op + " needs [N, C, H, W], got " + Arrays.toString(x.shape()));
        return x.shape();
    }
}
