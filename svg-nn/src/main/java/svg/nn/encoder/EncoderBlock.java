package svg.nn.encoder;

import svg.nn.layer.Activation;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.Linear;
import svg.nn.layer.Sequential;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** torchvision EncoderBlock: x + attn(ln_1 x), then + mlp(ln_2 x); mlp = Linear, GELU(erf), Dropout, Linear, Dropout. */
public class EncoderBlock extends Module {
    public final LayerNorm ln_1, ln_2;
    public final MultiheadAttention self_attention;
    public final Sequential mlp;

    public EncoderBlock(int hidden, int heads, int mlpDim, Rng rng) {
        ln_1 = child("ln_1", new LayerNorm(hidden, 1e-6f));
        self_attention = child("self_attention", new MultiheadAttention(hidden, heads, rng));
        ln_2 = child("ln_2", new LayerNorm(hidden, 1e-6f));
        mlp = child("mlp", new Sequential(new Linear(hidden, mlpDim, true, rng), Activation.gelu(), Activation.dropout(),
                new Linear(mlpDim, hidden, true, rng), Activation.dropout()));
    }

    public Tensor forward(Tensor x) {
        x = x.add(self_attention.forward(ln_1.forward(x)));
        return x.add(mlp.forward(ln_2.forward(x)));
    }
}
