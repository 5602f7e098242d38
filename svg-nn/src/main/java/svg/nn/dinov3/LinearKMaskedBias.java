package svg.nn.dinov3;

import svg.nn.layer.Linear;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * The qkv projection whose bias is multiplied by the {@code bias_mask} buffer (1 for q, 0 for k, 1 for v): the k bias
 * is stored but not applied (it would not cancel under RoPE).
 */
public class LinearKMaskedBias extends Linear {
    public final Tensor bias_mask;

    public LinearKMaskedBias(int in, int out, Rng rng) {
        super(in, out, true, rng);
        if (out % 3 != 0) throw new IllegalArgumentException("qkv width " + out + " not divisible by 3");
        float[] m = new float[out];
        for (int i = 0; i < out; i++) m[i] = (i >= out / 3 && i < 2 * out / 3) ? 0f : 1f;
        bias_mask = buffer("bias_mask", Tensor.of(m, out));
    }

    @Override
    public Tensor forward(Tensor x) { return x.linear(weight, bias.mul(bias_mask)); }
}
