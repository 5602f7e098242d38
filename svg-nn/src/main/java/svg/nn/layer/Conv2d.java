package svg.nn.layer;

import svg.nn.module.Init;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** torch.nn.Conv2d with a square kernel: weight [out, in, k, k], bias [out]. */
public class Conv2d extends Layer {
    public final int inChannels, outChannels, kernelSize, stride, padding;
    public final Tensor weight;
    public final Tensor bias;

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, boolean bias, Rng rng) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.weight = matrixParam("weight", outChannels, inChannels, kernelSize, kernelSize);
        this.bias = bias ? param("bias", outChannels) : null;
        if (rng != null) Init.torchDefault(weight, this.bias, rng);
    }

    @Override
    public Tensor forward(Tensor x) { // [N, in, H, W] -> [N, out, H', W']
        return x.conv2d(weight, bias, stride, padding);
    }
}
