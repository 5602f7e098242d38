package svg.nn.layer;

import svg.nn.module.Module;
import svg.tensor.Tensor;

/** A module with a single-tensor forward, so it can sit in a {@link Sequential}. */
public abstract class Layer extends Module {
    public abstract Tensor forward(Tensor x);
}
