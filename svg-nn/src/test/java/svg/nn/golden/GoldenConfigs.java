package svg.nn.golden;

import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViTConfig;

import java.util.Map;

import static svg.nn.golden.GoldenContext.*;

/** Builds our config records from case.json "config" objects (official constructor argument names). */
final class GoldenConfigs {
    private GoldenConfigs() {}

    static DinoV3Config dino(Map<String, Object> c) {
        Object ls = c.get("layerscale_init");
        return new DinoV3Config(
                ((Number) opt(c, "img_size", 224)).intValue(), i(c, "patch_size"), ((Number) opt(c, "in_chans", 3)).intValue(),
                ((Number) opt(c, "pos_embed_rope_base", 100.0)).doubleValue(),
                (String) opt(c, "pos_embed_rope_normalize_coords", "separate"),
                ((Number) opt(c, "pos_embed_rope_rescale_coords", 0.0)).doubleValue(),
                i(c, "embed_dim"), i(c, "depth"), i(c, "num_heads"), d(c, "ffn_ratio"),
                (Boolean) opt(c, "qkv_bias", true), ls == null ? 0 : ((Number) ls).doubleValue(),
                (String) opt(c, "norm_layer", "layernorm"), (String) opt(c, "ffn_layer", "mlp"),
                (Boolean) opt(c, "ffn_bias", true), (Boolean) opt(c, "proj_bias", true),
                ((Number) opt(c, "n_storage_tokens", 0)).intValue(), (Boolean) opt(c, "mask_k_bias", false));
    }

    static ResidualViTConfig residual(Map<String, Object> c) {
        return new ResidualViTConfig(i(c, "image_size"), i(c, "patch_size"), i(c, "num_layers"), i(c, "num_heads"),
                i(c, "hidden_dim"), i(c, "mlp_dim"), i(c, "output_dim"));
    }

    static DecoderConfig decoder(Map<String, Object> c) {
        return new DecoderConfig(i(c, "ch"), i(c, "out_ch"), ints(c, "ch_mult"), i(c, "num_res_blocks"), ints(c, "attn_resolutions"),
                ((Number) opt(c, "dropout", 0.0)).doubleValue(), i(c, "resolution"), i(c, "z_channels"),
                ((Number) opt(c, "in_channels", 3)).intValue(), (Boolean) opt(c, "double_z", true));
    }

    static DiTConfig dit(Map<String, Object> c) {
        // the official DiT ignores input_size and fixes 256 tokens; when the case states that number, use its grid
        int grid = c.containsKey("num_patches_fixed") ? (int) Math.round(Math.sqrt(i(c, "num_patches_fixed"))) : i(c, "input_size");
        Object hd = c.get("head_dim");
        return new DiTConfig(grid, ((Number) opt(c, "patch_size", 1)).intValue(), i(c, "in_channels"), i(c, "hidden_size"),
                i(c, "depth"), i(c, "num_heads"), ((Number) opt(c, "mlp_ratio", 4.0)).doubleValue(),
                ((Number) opt(c, "class_dropout_prob", 0.1)).doubleValue(), i(c, "num_classes"),
                (Boolean) opt(c, "learn_sigma", true), hd == null ? 0 : ((Number) hd).intValue(), (Boolean) opt(c, "qk_norm", false));
    }
}
