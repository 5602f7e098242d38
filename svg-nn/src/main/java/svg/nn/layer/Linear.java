package svg.nn.layer;

import svg.nn.module.Init;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** y = x W^T + b (torch.nn.Linear): weight [out, in], bias [out]. */
public class Linear extends Layer {
    public final int inFeatures, outFeatures;
    public final Tensor weight;
    public final Tensor bias;

    /** @param rng PyTorch's default init when non-null; zeros when null (weights to be loaded) */
    public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = matrixParam("weight", outFeatures, inFeatures);
        this.bias = bias ? param("bias", outFeatures) : null;
        if (rng != null) Init.torchDefault(weight, this.bias, rng);
    }

    public Linear(int inFeatures, int outFeatures, Rng rng) { this(inFeatures, outFeatures, true, rng); }

    @Override
    public Tensor forward(Tensor x) { // [..., in] -> [..., out]
        return x.linear(weight, bias);
    }
}
