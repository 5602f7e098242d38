package svg.nn.decoder;

import svg.nn.layer.Conv2d;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** Nearest-neighbour x2, then a 3x3 conv. */
public class Upsample extends Module {
    public final Conv2d conv;

    public Upsample(int c, Rng rng) { conv = child("conv", new Conv2d(c, c, 3, 1, 1, true, rng)); }

    public Tensor forward(Tensor x) { return conv.forward(x.upsampleNearest2x()); }
}
