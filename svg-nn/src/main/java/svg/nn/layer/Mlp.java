package svg.nn.layer;

import svg.tensor.Rng;
import svg.tensor.Tensor;

/** Two-layer MLP fc1 -> act -> fc2 (timm / DINOv3 {@code Mlp}; key names fc1, fc2). */
public class Mlp extends Layer {
    public final Linear fc1, fc2;
    public final Activation act;

    public Mlp(int in, int hidden, int out, Activation act, boolean bias, Rng rng) {
        fc1 = child("fc1", new Linear(in, hidden, bias, rng));
        this.act = child("act", act);
        fc2 = child("fc2", new Linear(hidden, out, bias, rng));
    }

    @Override
    public Tensor forward(Tensor x) { // [..., in] -> [..., out]
        return fc2.forward(act.forward(fc1.forward(x)));
    }
}
