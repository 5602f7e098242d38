package svg.nn.dit;

import svg.nn.layer.Activation;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.Linear;
import svg.nn.layer.Mlp;
import svg.nn.layer.Sequential;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** A DiT block with adaLN-Zero conditioning: c -> (shift, scale, gate) for attention and for the MLP. */
public class DiTBlock extends Module {
    public final LayerNorm norm1, norm2;
    public final DiTAttention attn;
    public final Mlp mlp;
    public final Sequential adaLN_modulation;

    public DiTBlock(DiTConfig cfg, Rng rng) {
        int h = cfg.hidden_size();
        norm1 = child("norm1", new LayerNorm(h, 1e-6f, false));
        attn = child("attn", new DiTAttention(h, cfg.num_heads(), cfg.headDim(), true, cfg.qk_norm(), rng));
        norm2 = child("norm2", new LayerNorm(h, 1e-6f, false));
        mlp = child("mlp", new Mlp(h, cfg.mlpHidden(), h, Activation.geluTanh(), true, rng));
        adaLN_modulation = child("adaLN_modulation", new Sequential(Activation.silu(), new Linear(h, 6 * h, true, rng)));
    }

    /** x * (1 + scale) + shift, with [B, D] modulation broadcast over tokens. */
    static Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        return x.mul(scale.unsqueeze(1).add(1f)).add(shift.unsqueeze(1));
    }

    public Tensor forward(Tensor x, Tensor c) { // x [B, T, D], c [B, D]
        Tensor[] m = adaLN_modulation.forward(c).chunk(6, 1);
        Tensor shiftMsa = m[0], scaleMsa = m[1], gateMsa = m[2], shiftMlp = m[3], scaleMlp = m[4], gateMlp = m[5];
        x = x.add(gateMsa.unsqueeze(1).mul(attn.forward(modulate(norm1.forward(x), shiftMsa, scaleMsa))));
        x = x.add(gateMlp.unsqueeze(1).mul(mlp.forward(modulate(norm2.forward(x), shiftMlp, scaleMlp))));
        return x;
    }
}
