package svg.nn.encoder;

import svg.nn.layer.Dropout;
import svg.nn.module.ConfigDefault;

/**
 * SVG's residual encoder ({@code dino_decoder.py::create_small_vit_s}): a torchvision {@code VisionTransformer} with
 * these constructor arguments (official names) and its head replaced by Linear-GELU-Linear to {@code output_dim}.
 * {@code dropout} (after the position embedding, after attention, in the MLP) and {@code attention_dropout} (on the
 * attention probabilities) apply in training only; SVG trains with 0.1 and 0.1. A model.json without them means 0.
 */
public record ResidualViTConfig(int image_size, int patch_size, int num_layers, int num_heads, int hidden_dim,
                                int mlp_dim, int output_dim, @ConfigDefault(0) double dropout,
                                @ConfigDefault(0) double attention_dropout) {
    public ResidualViTConfig {
        if (image_size <= 0 || patch_size <= 0 || num_layers < 0 || num_heads <= 0 || hidden_dim <= 0 || mlp_dim <= 0 || output_dim <= 0)
            throw new IllegalArgumentException("residual ViT sizes must be positive: " + image_size + ", " + patch_size + ", "
                    + num_layers + ", " + num_heads + ", " + hidden_dim + ", " + mlp_dim + ", " + output_dim);
        if (image_size % patch_size != 0)
            throw new IllegalArgumentException("image_size " + image_size + " not divisible by patch_size " + patch_size);
        if (hidden_dim % num_heads != 0)
            throw new IllegalArgumentException("hidden_dim " + hidden_dim + " not divisible by num_heads " + num_heads);
        Dropout.check(dropout, "residual ViT dropout");
        Dropout.check(attention_dropout, "residual ViT attention_dropout");
    }

    /** Without dropout. */
    public ResidualViTConfig(int image_size, int patch_size, int num_layers, int num_heads, int hidden_dim, int mlp_dim, int output_dim) {
        this(image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, output_dim, 0, 0);
    }

    /** The official SVG configuration for 256x256 images (11.2M parameters), dropout included. */
    public static final ResidualViTConfig SVG = new ResidualViTConfig(256, 16, 6, 8, 384, 1536, 8, 0.1, 0.1);

    public int numPatches() { return (image_size / patch_size) * (image_size / patch_size); }

    public ResidualViTConfig withImageSize(int s) {
        return new ResidualViTConfig(s, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, output_dim, dropout, attention_dropout);
    }

    /** The same network with these dropout probabilities. */
    public ResidualViTConfig withDropout(double dropout, double attentionDropout) {
        return new ResidualViTConfig(image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, output_dim, dropout, attentionDropout);
    }
}
