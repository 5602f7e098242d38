package svg.nn.dinov3;

import svg.nn.layer.Activation;
import svg.nn.layer.Layer;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.LayerScale;
import svg.nn.layer.Mlp;
import svg.nn.layer.SwiGLUFFN;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** Pre-norm transformer block: x + ls1(attn(norm1 x)), then + ls2(mlp(norm2 x)). */
public class SelfAttentionBlock extends Module {
    public final LayerNorm norm1, norm2;
    public final SelfAttention attn;
    public final Layer ls1, ls2, mlp;

    public SelfAttentionBlock(DinoV3Config c, Rng rng) {
        int d = c.embed_dim();
        norm1 = child("norm1", new LayerNorm(d, c.normEps()));
        attn = child("attn", new SelfAttention(d, c.num_heads(), c.qkv_bias(), c.proj_bias(), c.mask_k_bias(), rng));
        ls1 = child("ls1", c.layerscale_init() > 0 ? new LayerScale(d, (float) c.layerscale_init()) : Activation.identity());
        norm2 = child("norm2", new LayerNorm(d, c.normEps()));
        int hidden = (int) (d * c.ffn_ratio());
        mlp = child("mlp", c.ffn_layer().equals("swiglu")
                ? new SwiGLUFFN(d, hidden, d, c.ffn_bias(), 8, rng)
                : new Mlp(d, hidden, d, Activation.gelu(), c.ffn_bias(), rng));
        ls2 = child("ls2", c.layerscale_init() > 0 ? new LayerScale(d, (float) c.layerscale_init()) : Activation.identity());
    }

    public Tensor forward(Tensor x, Tensor[] rope) {
        x = x.add(ls1.forward(attn.forward(norm1.forward(x), rope)));
        return x.add(ls2.forward(mlp.forward(norm2.forward(x))));
    }
}
