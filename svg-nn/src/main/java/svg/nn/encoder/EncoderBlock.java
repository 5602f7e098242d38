package svg.nn.encoder;

import svg.nn.layer.Activation;
import svg.nn.layer.Dropout;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.Linear;
import svg.nn.layer.Sequential;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * torchvision EncoderBlock: x + dropout(attn(ln_1 x)), then + mlp(ln_2 x); mlp = Linear, GELU(erf), Dropout, Linear,
 * Dropout; the attention drops its probabilities with {@code attention_dropout}. Dropout acts in training only.
 */
public class EncoderBlock extends Module {
    public final LayerNorm ln_1, ln_2;
    public final MultiheadAttention self_attention;
    public final Dropout dropout;
    public final Sequential mlp;

    public EncoderBlock(int hidden, int heads, int mlpDim, Rng rng) { this(hidden, heads, mlpDim, 0.0, 0.0, rng); }

    public EncoderBlock(int hidden, int heads, int mlpDim, double dropout, double attentionDropout, Rng rng) {
        ln_1 = child("ln_1", new LayerNorm(hidden, 1e-6f));
        self_attention = child("self_attention", new MultiheadAttention(hidden, heads, attentionDropout, rng));
        this.dropout = child("dropout", new Dropout(dropout));
        ln_2 = child("ln_2", new LayerNorm(hidden, 1e-6f));
        mlp = child("mlp", new Sequential(new Linear(hidden, mlpDim, true, rng), Activation.gelu(), new Dropout(dropout),
                new Linear(mlpDim, hidden, true, rng), new Dropout(dropout)));
    }

    public Tensor forward(Tensor x) { return forward(x, null); }

    /** [B, N, hidden] -> the same; dropout masks from {@code rng} in training mode (none when null). */
    public Tensor forward(Tensor x, Rng rng) {
        x = x.add(dropout.forward(self_attention.forward(ln_1.forward(x), rng), rng));
        return x.add(mlp.forward(ln_2.forward(x), rng));
    }
}
