package svg.nn.image;

import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * Image resizing of [C, H, W] float tensors with the same filters and coefficient rule as Pillow's
 * {@code Image.resize}: separable, horizontal pass then vertical, and when shrinking the filter is stretched by
 * the scale factor (so shrinking averages, i.e. antialiases, instead of skipping pixels). The official SVG/ADM
 * preprocessing uses Pillow's BOX and BICUBIC; matching its coefficients keeps our crops within one 8-bit level of
 * Pillow's (Pillow rounds to 8 bits between the passes, we stay in float).
 */
public final class Resample {
    /** A resampling kernel with its support radius (in source pixels at scale 1). */
    public enum Filter {
        /** Pillow BOX: mean over the source pixels each output pixel covers. */
        BOX(0.5) {
            @Override
            double weight(double x) { return x >= -0.5 && x < 0.5 ? 1.0 : 0.0; }
        },
        /** Pillow BILINEAR (triangle). */
        BILINEAR(1.0) {
            @Override
            double weight(double x) {
                x = Math.abs(x);
                return x < 1 ? 1 - x : 0;
            }
        },
        /** Pillow BICUBIC: Keys cubic with a = -0.5. */
        BICUBIC(2.0) {
            @Override
            double weight(double x) {
                final double a = -0.5;
                x = Math.abs(x);
                if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
                if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
                return 0;
            }
        };

        final double support;

        Filter(double support) { this.support = support; }

        abstract double weight(double x);
    }

    private Resample() {}

    /** Resizes x [C, H, W] to [C, outH, outW]. Values are not clamped (bicubic may overshoot [0, 1] slightly). */
    public static Tensor resize(Tensor x, int outH, int outW, Filter filter) {
        if (x.dim() != 3) throw new IllegalArgumentException("resize expects [C, H, W], got " + Arrays.toString(x.shape()));
        if (outH < 1 || outW < 1) throw new IllegalArgumentException("resize target must be positive, got " + outH + "x" + outW);
        int c = x.size(0), h = x.size(1), w = x.size(2);
        float[] src = x.toArray();
        float[] mid = src;
        if (outW != w) {
            Coeffs cw = coeffs(w, outW, filter);
            mid = new float[c * h * outW];
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++) {
                    int si = (ch * h + y) * w, di = (ch * h + y) * outW;
                    for (int ox = 0; ox < outW; ox++) {
                        double s = 0;
                        int b = cw.start[ox];
                        double[] k = cw.weights[ox];
                        for (int j = 0; j < k.length; j++) s += k[j] * src[si + b + j];
                        mid[di + ox] = (float) s;
                    }
                }
        }
        float[] dst = mid;
        if (outH != h) {
            Coeffs chh = coeffs(h, outH, filter);
            dst = new float[c * outH * outW];
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < outH; oy++) {
                    int b = chh.start[oy];
                    double[] k = chh.weights[oy];
                    int di = (ch * outH + oy) * outW;
                    for (int xx = 0; xx < outW; xx++) {
                        double s = 0;
                        for (int j = 0; j < k.length; j++) s += k[j] * mid[(ch * h + b + j) * outW + xx];
                        dst[di + xx] = (float) s;
                    }
                }
        }
        return Tensor.of(dst == src ? src.clone() : dst, c, outH, outW);
    }

    private record Coeffs(int[] start, double[][] weights) {}

    /** Pillow's precompute_coeffs: window [xmin, xmin + n) around the source centre of each output pixel. */
    private static Coeffs coeffs(int in, int out, Filter f) {
        double scale = (double) in / out;
        double filterScale = Math.max(scale, 1.0);
        double support = f.support * filterScale;
        double ss = 1.0 / filterScale;
        int[] start = new int[out];
        double[][] weights = new double[out][];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), in);
            double[] k = new double[Math.max(0, xmax - xmin)];
            double sum = 0;
            for (int j = 0; j < k.length; j++) {
                k[j] = f.weight((j + xmin - center + 0.5) * ss);
                sum += k[j];
            }
            if (sum != 0) for (int j = 0; j < k.length; j++) k[j] /= sum;
            start[o] = xmin;
            weights[o] = k;
        }
        return new Coeffs(start, weights);
    }
}
