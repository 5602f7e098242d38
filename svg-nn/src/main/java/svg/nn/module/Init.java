package svg.nn.module;

import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * In-place weight initialisers with PyTorch's formulas ({@code torch.nn.init}), drawing from an explicit {@link Rng}
 * in row-major order. They write the tensor's buffer directly, so they are only for freshly built parameters.
 * Shape-only (meta) tensors are skipped.
 */
public final class Init {
    private Init() {}

    /** The array to fill: the tensor's own, or for a bfloat16 tensor a scratch array that {@link #store} rounds in. */
    private static float[] buf(Tensor t) {
        if (!t.isContiguous() || t.offset() != 0) throw new IllegalArgumentException("init needs a compact tensor");
        return t.isBf16() ? new float[t.numel()] : t.data();
    }

    private static void store(Tensor t, float[] d) {
        if (t.isBf16()) t.copyFrom(d);
    }

    public static void constant(Tensor t, float v) {
        if (Meta.isMeta(t)) return;
        float[] d = buf(t);
        java.util.Arrays.fill(d, v);
        store(t, d);
    }

    public static void zeros(Tensor t) { constant(t, 0f); }

    public static void ones(Tensor t) { constant(t, 1f); }

    public static void uniform(Tensor t, Rng rng, double lo, double hi) {
        if (Meta.isMeta(t)) return;
        float[] d = buf(t);
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        store(t, d);
    }

    public static void normal(Tensor t, Rng rng, double mean, double std) {
        if (Meta.isMeta(t)) return;
        float[] d = buf(t);
        for (int i = 0; i < d.length; i++) d[i] = (float) (mean + std * rng.nextGaussian());
        store(t, d);
    }

    /** torch.nn.init.trunc_normal_(t, std=std, a=-2, b=2): normal samples redrawn until inside [a, b]. */
    public static void truncNormal(Tensor t, Rng rng, double std, double a, double b) {
        if (Meta.isMeta(t)) return;
        float[] d = buf(t);
        for (int i = 0; i < d.length; i++) {
            double v;
            do { v = std * rng.nextGaussian(); } while (v < a || v > b);
            d[i] = (float) v;
        }
        store(t, d);
    }

    /** fan_in and fan_out as torch computes them: dims 1 and 0 times the receptive field (kh*kw for convs). */
    public static int[] fans(Tensor t) {
        int[] s = t.shape();
        if (s.length < 2) throw new IllegalArgumentException("fan in/out need a tensor with >= 2 dims");
        int rf = 1;
        for (int i = 2; i < s.length; i++) rf *= s[i];
        return new int[]{s[1] * rf, s[0] * rf};
    }

    /** xavier_uniform_: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). */
    public static void xavierUniform(Tensor t, Rng rng) {
        int[] f = fans(t);
        double a = Math.sqrt(6.0 / (f[0] + f[1]));
        uniform(t, rng, -a, a);
    }

    /**
     * PyTorch's default for Linear and Conv2d ({@code reset_parameters}): kaiming_uniform_(a=sqrt(5)) for the weight,
     * which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
     */
    public static void torchDefault(Tensor weight, Tensor bias, Rng rng) {
        int fanIn = fans(weight)[0];
        double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0;
        uniform(weight, rng, -bound, bound);
        if (bias != null) uniform(bias, rng, -bound, bound);
    }
}
