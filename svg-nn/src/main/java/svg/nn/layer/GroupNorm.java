package svg.nn.layer;

import svg.nn.module.Init;
import svg.tensor.Tensor;

/** torch.nn.GroupNorm with affine weight (ones) and bias (zeros) over [N, C, ...]. */
public class GroupNorm extends Layer {
    public final int groups, channels;
    public final float eps;
    public final Tensor weight, bias;

    public GroupNorm(int groups, int channels, float eps) {
        if (channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible into " + groups + " groups");
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        weight = param("weight", channels);
        bias = param("bias", channels);
        Init.ones(weight);
    }

    @Override
    public Tensor forward(Tensor x) { return x.groupNorm(groups, weight, bias, eps); }
}
