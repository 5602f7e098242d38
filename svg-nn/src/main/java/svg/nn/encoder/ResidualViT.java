package svg.nn.encoder;

import svg.nn.layer.Activation;
import svg.nn.layer.Conv2d;
import svg.nn.layer.Dropout;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.Linear;
import svg.nn.layer.Sequential;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SVG's residual ViT (the official {@code forward_custom} of a torchvision VisionTransformer):
 * <pre>
 *   x [B, 3, S, S] -> conv_proj -> patch tokens [B, N, h]; prepend class_token; + encoder.pos_embedding
 *   -> encoder layers -> encoder.ln -> drop the class token -> heads (Linear, GELU, Linear)  [B, N, out]
 *   -> transpose                                                                              [B, out, N]
 * </pre>
 * It takes the ImageNet-normalised image, like the DINOv3 encoder. Dropout (training only) follows torchvision: after
 * the position embedding, on the attention probabilities, after the attention, and twice in each MLP.
 */
public class ResidualViT extends Module {
    public final ResidualViTConfig config;
    public final Tensor class_token;
    public final Conv2d conv_proj;
    public final Encoder encoder;
    public final Sequential heads;

    /** torchvision's Encoder: pos_embedding, dropout, layers.encoder_layer_i, ln. */
    public static final class Encoder extends Module {
        public final Tensor pos_embedding;
        public final Dropout dropout;
        public final Layers layers;
        public final LayerNorm ln;

        Encoder(ResidualViTConfig c, Rng rng) {
            pos_embedding = param("pos_embedding", 1, c.numPatches() + 1, c.hidden_dim());
            if (rng != null) Init.normal(pos_embedding, rng, 0, 0.02);
            dropout = child("dropout", new Dropout(c.dropout()));
            layers = child("layers", new Layers(c, rng));
            ln = child("ln", new LayerNorm(c.hidden_dim(), 1e-6f));
        }

        public Tensor forward(Tensor x) { return forward(x, null); }

        /** ln(layers(dropout(x + pos_embedding))); dropout masks from {@code rng} in training mode (none when null). */
        public Tensor forward(Tensor x, Rng rng) {
            x = dropout.forward(x.add(pos_embedding), rng);
            for (EncoderBlock b : layers.list) x = b.forward(x, rng);
            return ln.forward(x);
        }
    }

    /** The Sequential of blocks named encoder_layer_0, encoder_layer_1, ... */
    public static final class Layers extends Module {
        public final List<EncoderBlock> list = new ArrayList<>();

        Layers(ResidualViTConfig c, Rng rng) {
            for (int i = 0; i < c.num_layers(); i++)
                list.add(child("encoder_layer_" + i, new EncoderBlock(c.hidden_dim(), c.num_heads(), c.mlp_dim(), c.dropout(), c.attention_dropout(), rng)));
        }
    }

    public ResidualViT(ResidualViTConfig c, Rng rng) {
        config = c;
        int h = c.hidden_dim();
        class_token = param("class_token", 1, 1, h);
        conv_proj = child("conv_proj", new Conv2d(3, h, c.patch_size(), c.patch_size(), 0, true, rng));
        encoder = child("encoder", new Encoder(c, rng));
        heads = child("heads", new Sequential(new Linear(h, h, true, rng), Activation.gelu(), new Linear(h, c.output_dim(), true, rng)));
    }

    /** x [B, 3, S, S] (ImageNet-normalised) -> [B, output_dim, N]; no dropout. */
    public Tensor forward(Tensor x) { return forward(x, null); }

    /**
     * x [B, 3, S, S] (ImageNet-normalised) -> [B, output_dim, N]. In training mode with a non-null {@code rng}, the
     * config's dropout and attention dropout apply with masks from {@code rng} (the heads have none, as officially).
     */
    public Tensor forward(Tensor x, Rng rng) {
        int s = config.image_size();
        if (x.dim() != 4 || x.size(1) != 3 || x.size(2) != s || x.size(3) != s)
            throw new IllegalArgumentException("residual ViT built for [B, 3, " + s + ", " + s + "] images, got " + Arrays.toString(x.shape()));
        int b = x.size(0), h = config.hidden_dim();
        Tensor p = conv_proj.forward(x);                                   // [B, h, S/p, S/p]
        p = p.reshape(b, h, config.numPatches()).transpose(1, 2);         // [B, N, h]
        Tensor tokens = Tensor.cat(1, class_token.expand(b, 1, h), p);     // [B, 1+N, h]
        Tensor y = encoder.forward(tokens, rng);
        y = y.narrow(1, 1, config.numPatches());                           // patch tokens only
        return heads.forward(y).transpose(1, 2);                           // [B, out, N]
    }
}
