package svg.nn.dinov2;

import svg.nn.dinov3.SelfAttention;
import svg.nn.layer.Activation;
import svg.nn.layer.Layer;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.LayerScale;
import svg.nn.layer.Linear;
import svg.nn.layer.Mlp;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** DINOv2 Block: x + ls1(attn(norm1 x)), then + ls2(mlp(norm2 x)); attention without RoPE. */
public class DinoV2Block extends Module {
    public final LayerNorm norm1, norm2;
    public final SelfAttention attn;
    public final Layer ls1, ls2, mlp;

    public DinoV2Block(DinoV2Config c, Rng rng) {
        int d = c.embed_dim(), hidden = (int) (d * c.mlp_ratio());
        norm1 = child("norm1", new LayerNorm(d, 1e-6f));
        attn = child("attn", new SelfAttention(d, c.num_heads(), c.qkv_bias(), c.proj_bias(), false, rng));
        ls1 = child("ls1", c.init_values() > 0 ? new LayerScale(d, (float) c.init_values()) : Activation.identity());
        norm2 = child("norm2", new LayerNorm(d, 1e-6f));
        mlp = child("mlp", c.ffn_layer().equals("mlp")
                ? new Mlp(d, hidden, d, Activation.gelu(), c.ffn_bias(), rng)
                : new SwiGLUFused(d, hidden, c.ffn_bias(), rng));
        ls2 = child("ls2", c.init_values() > 0 ? new LayerScale(d, (float) c.init_values()) : Activation.identity());
    }

    public Tensor forward(Tensor x) {
        x = x.add(ls1.forward(attn.forward(norm1.forward(x), null)));
        return x.add(ls2.forward(mlp.forward(norm2.forward(x))));
    }

    /** SwiGLUFFNFused: w12 (both gates in one Linear), silu(x1) * x2, w3; hidden = ceil8(int(hidden * 2/3)). */
    public static final class SwiGLUFused extends Layer {
        public final Linear w12, w3;
        final int hidden;

        SwiGLUFused(int d, int hiddenFeatures, boolean bias, Rng rng) {
            hidden = ((int) (hiddenFeatures * 2.0 / 3.0) + 7) / 8 * 8;
            w12 = child("w12", new Linear(d, 2 * hidden, bias, rng));
            w3 = child("w3", new Linear(hidden, d, bias, rng));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor[] h = w12.forward(x).chunk(2, -1);
            return w3.forward(h[0].silu().mul(h[1]));
        }
    }
}
