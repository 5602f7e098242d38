package svg.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import static svg.tornado.Kernels.WOFF;

/**
 * Direct 2-D convolution (float32 and bfloat16 weights, one work-item per output element) and nearest 2x upsampling,
 * the decoder's resampling.
 */
public final class ConvKernels {
    private ConvKernels() {}

    /** Nearest 2x upsampling. ip: [n (output elements), H, W]. */
    public static void upsample2x(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray b,
                                  FloatArray d, FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int h = ip.get(1);
            int w = ip.get(2);
            int ow = 2 * w;
            int oj = i % ow;
            int rest = i / ow;
            int oi = rest % (2 * h);
            int p = rest / (2 * h);
            out.set(i, x.get((p * h + oi / 2) * w + oj / 2));
        }
    }

    /**
     * Direct 2-D convolution, one work-item per output element.
     * ip: [n, C, H, W, O, kh, kw, oh, ow, stride, pad, hasBias].
     */
    public static void conv2d(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray w, FloatArray bias,
                              FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int ch = ip.get(1);
            int h = ip.get(2);
            int wd = ip.get(3);
            int o = ip.get(4);
            int kh = ip.get(5);
            int kw = ip.get(6);
            int oh = ip.get(7);
            int ow = ip.get(8);
            int stride = ip.get(9);
            int pad = ip.get(10);
            int wo = ip.get(WOFF + 1);
            int oj = i % ow;
            int rest = i / ow;
            int oi = rest % oh;
            rest = rest / oh;
            int oc = rest % o;
            int b = rest / o;
            float s = 0.0f;
            if (ip.get(11) == 1) s = bias.get(ip.get(WOFF + 2) + oc);
            for (int ic = 0; ic < ch; ic++) {
                for (int u = 0; u < kh; u++) {
                    int yy = oi * stride - pad + u;
                    if (yy >= 0 && yy < h) {
                        for (int vv = 0; vv < kw; vv++) {
                            int xx = oj * stride - pad + vv;
                            if (xx >= 0 && xx < wd) {
                                s += x.get(((b * ch + ic) * h + yy) * wd + xx) * w.get(wo + ((oc * ch + ic) * kh + u) * kw + vv);
                            }
                        }
                    }
                }
            }
            out.set(i, s);
        }
    }

    /** {@link #conv2d} with the weight as bfloat16 bits, widened at each use by {@link Bf16#bf16}. */
    public static void conv2dBf16(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, ShortArray w,
                                  FloatArray bias, FloatArray pow2, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int ch = ip.get(1);
            int h = ip.get(2);
            int wd = ip.get(3);
            int o = ip.get(4);
            int kh = ip.get(5);
            int kw = ip.get(6);
            int oh = ip.get(7);
            int ow = ip.get(8);
            int stride = ip.get(9);
            int pad = ip.get(10);
            int wo = ip.get(WOFF + 1);
            int oj = i % ow;
            int rest = i / ow;
            int oi = rest % oh;
            rest = rest / oh;
            int oc = rest % o;
            int b = rest / o;
            float s = 0.0f;
            if (ip.get(11) == 1) s = bias.get(ip.get(WOFF + 2) + oc);
            for (int ic = 0; ic < ch; ic++) {
                for (int u = 0; u < kh; u++) {
                    int yy = oi * stride - pad + u;
                    if (yy >= 0 && yy < h) {
                        for (int vv = 0; vv < kw; vv++) {
                            int xx = oj * stride - pad + vv;
                            if (xx >= 0 && xx < wd) {
                                s += x.get(((b * ch + ic) * h + yy) * wd + xx) * Bf16.bf16(w.get(wo + ((oc * ch + ic) * kh + u) * kw + vv), pow2);
                            }
                        }
                    }
                }
            }
            out.set(i, s);
        }
    }
}
