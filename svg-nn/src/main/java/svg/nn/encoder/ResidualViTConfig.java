package svg.nn.encoder;

/**
 * SVG's residual encoder ({@code dino_decoder.py::create_small_vit_s}): a torchvision {@code VisionTransformer} with
 * these constructor arguments (official names) and its head replaced by Linear-GELU-Linear to {@code output_dim}.
 * Dropout (0.1 officially) is not implemented: the forward equals eval mode.
 */
public record ResidualViTConfig(int image_size, int patch_size, int num_layers, int num_heads, int hidden_dim,
                                int mlp_dim, int output_dim) {
    public ResidualViTConfig {
        if (image_size <= 0 || patch_size <= 0 || num_layers < 0 || num_heads <= 0 || hidden_dim <= 0 || mlp_dim <= 0 || output_dim <= 0)
            throw new IllegalArgumentException("residual ViT sizes must be positive: " + image_size + ", " + patch_size + ", "
                    + num_layers + ", " + num_heads + ", " + hidden_dim + ", " + mlp_dim + ", " + output_dim);
        if (image_size % patch_size != 0)
            throw new IllegalArgumentException("image_size " + image_size + " not divisible by patch_size " + patch_size);
        if (hidden_dim % num_heads != 0)
            throw new IllegalArgumentException("hidden_dim " + hidden_dim + " not divisible by num_heads " + num_heads);
    }

    /** The official SVG configuration for 256x256 images (11.2M parameters). */
    public static final ResidualViTConfig SVG = new ResidualViTConfig(256, 16, 6, 8, 384, 1536, 8);

    public int numPatches() { return (image_size / patch_size) * (image_size / patch_size); }

    public ResidualViTConfig withImageSize(int s) {
        return new ResidualViTConfig(s, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, output_dim);
    }
}
