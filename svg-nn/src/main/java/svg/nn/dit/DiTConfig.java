package svg.nn.dit;

/**
 * The constructor arguments of the official {@code models/models_SVG.py::DiT}, with their official names.
 *
 * <p>{@code input_size} is the side of the token grid that the fixed sin-cos {@code pos_embed} covers. The official
 * code ignores it and hard-codes 256 tokens (a 16x16 grid); here the table is built for input_size x input_size, so
 * the official models use input_size 16 and small models on 8x8 latents use 8.
 *
 * @param head_dim 0 means hidden_size / num_heads (the official {@code head_dim=None})
 */
public record DiTConfig(
        int input_size,
        int patch_size,
        int in_channels,
        int hidden_size,
        int depth,
        int num_heads,
        double mlp_ratio,
        double class_dropout_prob,
        int num_classes,
        boolean learn_sigma,
        int head_dim,
        boolean qk_norm) {

    public DiTConfig {
        if (patch_size != 1)
            throw new IllegalArgumentException("only patch_size 1 is supported (SVG's DiT works on latent tokens), got " + patch_size);
        if (input_size <= 0 || in_channels <= 0 || hidden_size <= 0 || depth < 0 || num_heads <= 0 || num_classes <= 0)
            throw new IllegalArgumentException("invalid DiT config " + this);
        if (head_dim == 0 && hidden_size % num_heads != 0)
            throw new IllegalArgumentException("hidden_size " + hidden_size + " not divisible by num_heads " + num_heads);
        if (hidden_size % 4 != 0)
            throw new IllegalArgumentException("hidden_size must be a multiple of 4 for the 2-D sin-cos table, got " + hidden_size);
    }

    // Sizes from the DiT paper (S, B, L, XL); the rest is SVG's setup (config/example_svg_xl.yaml): 392 latent
    // channels as 16x16 tokens, patch 1, QK-norm, 1000 classes.
    public static final DiTConfig S = svg(384, 12, 6);
    public static final DiTConfig B = svg(768, 12, 12);
    public static final DiTConfig L = svg(1024, 24, 16);
    public static final DiTConfig XL = svg(1152, 28, 16);

    private static DiTConfig svg(int hidden, int depth, int heads) {
        return new DiTConfig(16, 1, 392, hidden, depth, heads, 4.0, 0.1, 1000, true, 0, true);
    }

    /** A named preset: "S", "B", "L", "XL" (also "DiT-XL", "SVG-XL", case-insensitive). */
    public static DiTConfig preset(String name) {
        String n = name.toUpperCase().replace("DIT-", "").replace("SVG-", "").replace("/1", "");
        return switch (n) {
            case "S" -> S;
            case "B" -> B;
            case "L" -> L;
            case "XL" -> XL;
            default -> throw new IllegalArgumentException("unknown DiT preset '" + name + "' (S, B, L, XL)");
        };
    }

    /** Token grid side (pos_embed covers grid x grid tokens). */
    public DiTConfig withInputSize(int g) {
        return new DiTConfig(g, patch_size, in_channels, hidden_size, depth, num_heads, mlp_ratio, class_dropout_prob, num_classes, learn_sigma, head_dim, qk_norm);
    }

    public DiTConfig withInChannels(int c) {
        return new DiTConfig(input_size, patch_size, c, hidden_size, depth, num_heads, mlp_ratio, class_dropout_prob, num_classes, learn_sigma, head_dim, qk_norm);
    }

    public DiTConfig withNumClasses(int n) {
        return new DiTConfig(input_size, patch_size, in_channels, hidden_size, depth, num_heads, mlp_ratio, class_dropout_prob, n, learn_sigma, head_dim, qk_norm);
    }

    public DiTConfig withLearnSigma(boolean on) {
        return new DiTConfig(input_size, patch_size, in_channels, hidden_size, depth, num_heads, mlp_ratio, class_dropout_prob, num_classes, on, head_dim, qk_norm);
    }

    /** Per-head width. */
    public int headDim() { return head_dim > 0 ? head_dim : hidden_size / num_heads; }

    /** 2C with learn_sigma (the sampler keeps the first C), else C. */
    public int outChannels() { return learn_sigma ? 2 * in_channels : in_channels; }

    /** Tokens per sample: input_size squared. */
    public int numTokens() { return input_size * input_size; }

    /** Label id of the unconditional ("null") class; exists when class_dropout_prob > 0. */
    public int nullClass() { return num_classes; }

    /** Rows of the label table: num_classes plus one null class when class_dropout_prob > 0. */
    public int labelTableSize() { return num_classes + (class_dropout_prob > 0 ? 1 : 0); }

    public int mlpHidden() { return (int) (hidden_size * mlp_ratio); }
}
