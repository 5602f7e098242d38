package svg.nn.dinov2;

import svg.tensor.Tensor;

/**
 * torch.nn.functional.interpolate(mode="bicubic", align_corners=False) as separable 1-D weight matrices, so a resize
 * of x [..., inH, inW] is {@code Ah @ x @ Aw^T}: plain (differentiable) matmuls.
 *
 * <p>Without antialias: Keys cubic with a = -0.75, 4 taps, source index {@code (i + 0.5) * scale - 0.5}, taps clamped to
 * the border. With antialias (PIL style, a = -0.5): the kernel support grows by the downscale factor and weights are
 * normalised. {@code scale} is input/output, or 1 / scale_factor when a scale factor was given (DINOv2's offset trick).
 */
public final class BicubicResize {
    private BicubicResize() {}

    /** [out, in] weights for one axis. */
    public static Tensor weights(int in, int out, double scale, boolean antialias) {
        double[] w = new double[out * in];
        if (!antialias) {
            for (int i = 0; i < out; i++) {
                double real = scale * (i + 0.5) - 0.5;
                int idx = (int) Math.floor(real);
                double t = real - idx;
                double[] k = {cubic2(t + 1, -0.75), cubic1(t, -0.75), cubic1(1 - t, -0.75), cubic2(2 - t, -0.75)};
                for (int j = 0; j < 4; j++) w[i * in + Math.clamp(idx - 1 + j, 0, in - 1)] += k[j];
            }
        } else {
            double support = scale >= 1 ? 2 * scale : 2.0, inv = scale >= 1 ? 1 / scale : 1.0;
            for (int i = 0; i < out; i++) {
                double center = scale * (i + 0.5);
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), in);
                double total = 0;
                double[] k = new double[Math.max(0, xmax - xmin)];
                for (int j = 0; j < k.length; j++) {
                    k[j] = aaFilter((j + xmin - center + 0.5) * inv);
                    total += k[j];
                }
                for (int j = 0; j < k.length; j++) w[i * in + xmin + j] = total != 0 ? k[j] / total : 0;
            }
        }
        float[] f = new float[w.length];
        for (int i = 0; i < w.length; i++) f[i] = (float) w[i];
        return Tensor.of(f, out, in);
    }

    private static double cubic1(double x, double a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }

    private static double cubic2(double x, double a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }

    private static double aaFilter(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1) return cubic1(x, a);
        if (x < 2) return cubic2(x, a);
        return 0;
    }

    /** Resizes x [C, inH, inW] to [C, outH, outW] with the given per-axis scales (input/output units). */
    public static Tensor resize(Tensor x, int outH, int outW, double scaleH, double scaleW, boolean antialias) {
        Tensor ah = weights(x.size(1), outH, scaleH, antialias), aw = weights(x.size(2), outW, scaleW, antialias);
        return ah.matmul(x).matmul(aw.transpose(0, 1));
    }
}
