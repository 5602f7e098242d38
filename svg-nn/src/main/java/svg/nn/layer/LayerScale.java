package svg.nn.layer;

import svg.nn.module.Init;
import svg.tensor.Tensor;

/** x * gamma per channel (DINOv3 ls1/ls2), gamma initialised to {@code initValues}. */
public class LayerScale extends Layer {
    public final Tensor gamma;

    public LayerScale(int dim, float initValues) {
        gamma = param("gamma", dim);
        Init.constant(gamma, initValues);
    }

    @Override
    public Tensor forward(Tensor x) { return x.mul(gamma); }
}
