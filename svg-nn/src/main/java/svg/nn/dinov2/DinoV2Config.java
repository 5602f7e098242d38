package svg.nn.dinov2;

/**
 * Constructor arguments of the official DINOv2 {@code DinoVisionTransformer} (dinov2/models/vision_transformer.py),
 * official names. LayerNorms use eps 1e-6. Only unchunked blocks ({@code block_chunks=0}, the hub checkpoints'
 * {@code blocks.i} keys) are supported; drop-path is training-only and omitted.
 *
 * @param init_values LayerScale init; 0 disables LayerScale
 * @param ffn_layer "mlp" or "swiglufused" (ViT-g; keys w12, w3)
 */
public record DinoV2Config(
        int img_size,
        int patch_size,
        int in_chans,
        int embed_dim,
        int depth,
        int num_heads,
        double mlp_ratio,
        boolean qkv_bias,
        boolean ffn_bias,
        boolean proj_bias,
        double init_values,
        String ffn_layer,
        int num_register_tokens,
        boolean interpolate_antialias,
        double interpolate_offset) {

    public DinoV2Config {
        if (!ffn_layer.equals("mlp") && !ffn_layer.equals("swiglufused") && !ffn_layer.equals("swiglu"))
            throw new IllegalArgumentException("unsupported ffn_layer '" + ffn_layer + "' (mlp, swiglufused)");
        if (img_size % patch_size != 0) throw new IllegalArgumentException("img_size not divisible by patch_size");
        if (embed_dim % num_heads != 0) throw new IllegalArgumentException("embed_dim not divisible by num_heads");
    }

    /** dinov2/hub/backbones.py: img 518, patch 14, LayerScale 1.0; register variants: 4 registers, antialias, offset 0. */
    public static DinoV2Config hub(int embedDim, int depth, int heads, String ffn, boolean registers) {
        return new DinoV2Config(518, 14, 3, embedDim, depth, heads, 4.0, true, true, true, 1.0, ffn,
                registers ? 4 : 0, registers, registers ? 0.0 : 0.1);
    }

    public static final DinoV2Config VITS14 = hub(384, 12, 6, "mlp", false);
    public static final DinoV2Config VITB14 = hub(768, 12, 12, "mlp", false);
    public static final DinoV2Config VITL14 = hub(1024, 24, 16, "mlp", false);
    public static final DinoV2Config VITG14 = hub(1536, 40, 24, "swiglufused", false);
    public static final DinoV2Config VITS14_REG = hub(384, 12, 6, "mlp", true);
    public static final DinoV2Config VITB14_REG = hub(768, 12, 12, "mlp", true);
    public static final DinoV2Config VITL14_REG = hub(1024, 24, 16, "mlp", true);
    public static final DinoV2Config VITG14_REG = hub(1536, 40, 24, "swiglufused", true);

    /** By hub name, e.g. dinov2_vits14, dinov2_vitb14_reg (prefix optional). */
    public static DinoV2Config preset(String name) {
        return switch (name.toLowerCase().replace("dinov2_", "")) {
            case "vits14" -> VITS14;
            case "vitb14" -> VITB14;
            case "vitl14" -> VITL14;
            case "vitg14" -> VITG14;
            case "vits14_reg" -> VITS14_REG;
            case "vitb14_reg" -> VITB14_REG;
            case "vitl14_reg" -> VITL14_REG;
            case "vitg14_reg" -> VITG14_REG;
            default -> throw new IllegalArgumentException("unknown DINOv2 preset '" + name + "'");
        };
    }

    /** Side of the patch grid the learned pos_embed was trained for. */
    public int baseGrid() { return img_size / patch_size; }
}
