package svg.nn.dit;

import svg.nn.layer.Activation;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.Linear;
import svg.nn.layer.Sequential;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** adaLN (shift, scale) -> non-affine LayerNorm -> Linear to patch_size^2 * out_channels. */
public class FinalLayer extends Module {
    public final LayerNorm norm_final;
    public final Linear linear;
    public final Sequential adaLN_modulation;

    public FinalLayer(int hidden, int patchSize, int outChannels, Rng rng) {
        norm_final = child("norm_final", new LayerNorm(hidden, 1e-6f, false));
        linear = child("linear", new Linear(hidden, patchSize * patchSize * outChannels, true, rng));
        adaLN_modulation = child("adaLN_modulation", new Sequential(Activation.silu(), new Linear(hidden, 2 * hidden, true, rng)));
    }

    public Tensor forward(Tensor x, Tensor c) { // [B, T, D], [B, D] -> [B, T, out]
        Tensor[] m = adaLN_modulation.forward(c).chunk(2, 1);
        return linear.forward(DiTBlock.modulate(norm_final.forward(x), m[0], m[1]));
    }
}
