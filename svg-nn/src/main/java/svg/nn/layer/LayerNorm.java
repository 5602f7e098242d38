package svg.nn.layer;

import svg.tensor.Tensor;

/** LayerNorm over the last axis; with {@code affine} it owns weight (ones) and bias (zeros) like torch. */
public class LayerNorm extends Layer {
    public final int dim;
    public final float eps;
    public final Tensor weight, bias;

    public LayerNorm(int dim, float eps, boolean affine) {
        this.dim = dim;
        this.eps = eps;
        if (affine) {
            weight = param("weight", dim);
            bias = param("bias", dim);
            svg.nn.module.Init.ones(weight);
        } else {
            weight = null;
            bias = null;
        }
    }

    public LayerNorm(int dim, float eps) { this(dim, eps, true); }

    @Override
    public Tensor forward(Tensor x) {
        if (x.size(-1) != dim) throw new IllegalArgumentException("LayerNorm(" + dim + ") got last axis " + x.size(-1));
        return x.layerNorm(weight, bias, eps);
    }
}
