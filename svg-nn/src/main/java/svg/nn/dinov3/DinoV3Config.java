package svg.nn.dinov3;

/**
 * Constructor arguments of the official {@code DinoVisionTransformer} (dinov3/models/vision_transformer.py), with
 * the official names. Training-only options (drop_path_rate, the RoPE shift/jitter/rescale augmentations) are kept
 * for fidelity of configs but have no effect: the encoder is used frozen, in eval mode.
 *
 * @param layerscale_init 0 disables LayerScale (the official {@code None})
 * @param norm_layer "layernorm" (eps 1e-6) or "layernormbf16" (eps 1e-5)
 * @param ffn_layer "mlp" (GELU) or "swiglu" (hidden aligned to 8)
 */
public record DinoV3Config(
        int img_size,
        int patch_size,
        int in_chans,
        double pos_embed_rope_base,
        String pos_embed_rope_normalize_coords,
        double pos_embed_rope_rescale_coords,
        int embed_dim,
        int depth,
        int num_heads,
        double ffn_ratio,
        boolean qkv_bias,
        double layerscale_init,
        String norm_layer,
        String ffn_layer,
        boolean ffn_bias,
        boolean proj_bias,
        int n_storage_tokens,
        boolean mask_k_bias) {

    public DinoV3Config {
        if (img_size <= 0 || patch_size <= 0 || in_chans <= 0 || embed_dim <= 0 || num_heads <= 0 || depth < 0
                || n_storage_tokens < 0)
            throw new IllegalArgumentException("DINOv3 sizes must be positive: img_size " + img_size + ", patch_size "
                    + patch_size + ", in_chans " + in_chans + ", embed_dim " + embed_dim + ", num_heads " + num_heads
                    + ", depth " + depth + ", n_storage_tokens " + n_storage_tokens);
        // Not embed_dim % (4 * num_heads): 4 * num_heads overflows to 0 for num_heads = 2^30.
        if (embed_dim % num_heads != 0 || (embed_dim / num_heads) % 4 != 0)
            throw new IllegalArgumentException("RoPE needs embed_dim % (4 * num_heads) == 0, got " + embed_dim + " and " + num_heads);
        if (!norm_layer.equals("layernorm") && !norm_layer.equals("layernormbf16"))
            throw new IllegalArgumentException("unsupported norm_layer '" + norm_layer + "' (layernorm, layernormbf16)");
        if (!ffn_layer.equals("mlp") && !ffn_layer.equals("swiglu"))
            throw new IllegalArgumentException("unsupported ffn_layer '" + ffn_layer + "' (mlp, swiglu)");
        if (!pos_embed_rope_normalize_coords.equals("separate") && !pos_embed_rope_normalize_coords.equals("min")
                && !pos_embed_rope_normalize_coords.equals("max"))
            throw new IllegalArgumentException("unknown pos_embed_rope_normalize_coords '" + pos_embed_rope_normalize_coords + "'");
    }

    /** The common options of the dinov3/hub/backbones.py ViTs with the given sizes. */
    public static DinoV3Config hub(int embedDim, int depth, int numHeads, double ffnRatio, String ffnLayer) {
        return new DinoV3Config(224, 16, 3, 100, "separate", 2, embedDim, depth, numHeads, ffnRatio, true, 1e-5,
                "layernormbf16", ffnLayer, true, true, 4, true);
    }

    public static final DinoV3Config VITS16 = hub(384, 12, 6, 4, "mlp");
    /** SVG's encoder: ViT-S/16+ (SwiGLU, ratio 6), 28.7M parameters. */
    public static final DinoV3Config VITS16PLUS = hub(384, 12, 6, 6, "swiglu");
    public static final DinoV3Config VITB16 = hub(768, 12, 12, 4, "mlp");
    public static final DinoV3Config VITL16 = hub(1024, 24, 16, 4, "mlp");

    /** By hub name: dinov3_vits16, dinov3_vits16plus, dinov3_vitb16, dinov3_vitl16 (the "dinov3_" prefix optional). */
    public static DinoV3Config preset(String name) {
        return switch (name.toLowerCase().replace("dinov3_", "")) {
            case "vits16" -> VITS16;
            case "vits16plus", "vitsp16" -> VITS16PLUS;
            case "vitb16" -> VITB16;
            case "vitl16" -> VITL16;
            default -> throw new IllegalArgumentException("unknown DINOv3 preset '" + name + "' (vits16, vits16plus, vitb16, vitl16)");
        };
    }

    public int headDim() { return embed_dim / num_heads; }

    public float normEps() { return norm_layer.equals("layernorm") ? 1e-6f : 1e-5f; }

    public DinoV3Config withSize(int embedDim, int depth, int numHeads) {
        return new DinoV3Config(img_size, patch_size, in_chans, pos_embed_rope_base, pos_embed_rope_normalize_coords,
                pos_embed_rope_rescale_coords, embedDim, depth, numHeads, ffn_ratio, qkv_bias, layerscale_init, norm_layer,
                ffn_layer, ffn_bias, proj_bias, n_storage_tokens, mask_k_bias);
    }
}
