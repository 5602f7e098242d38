package svg.app;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises which model a state dict belongs to from its official PyTorch key names and shapes, and reads off the
 * configuration those shapes imply (depth from the block count, widths from weight shapes). Used by
 * {@code svg inspect} so that a checkpoint can be identified without knowing where it came from.
 *
 * <p>Families: SVG DiT, DINOv3 ViT, DINOv2 ViT, SVG residual ViT (torchvision ViT layout), LDM decoder, latent
 * statistics, and the SVG autoencoder (DinoDecoder: encoder.* = DINOv3, extra_vit.* = residual ViT,
 * decoder.* = LDM decoder). Values that the keys cannot determine are omitted rather than guessed, except where
 * a note says how they were inferred.
 */
public final class ModelFamily {
    /** What was recognised: a family name, the implied configuration, and remarks. */
    public record Detection(String family, Map<String, Object> config, List<String> notes) {
        public boolean known() { return !family.equals(UNKNOWN); }
    }

    public static final String UNKNOWN = "unknown";

    private ModelFamily() {}

    /** Wrappers added by training frameworks; stripped before matching. */
    private static final String[] WRAPPERS = {"module.", "_orig_mod.", "model."};

    /** Detects the family of a state dict given as name -> shape. */
    public static Detection detect(Map<String, int[]> shapes) {
        Map<String, int[]> s = shapes;
        List<String> notes = new ArrayList<>();
        for (String w : WRAPPERS) {
            if (!s.isEmpty() && s.keySet().stream().allMatch(k -> k.startsWith(w))) {
                Map<String, int[]> t = new LinkedHashMap<>();
                s.forEach((k, v) -> t.put(k.substring(w.length()), v));
                s = t;
                notes.add("keys are wrapped in '" + w + "' (stripped for detection)");
            }
        }
        Detection d = detectUnwrapped(s);
        if (notes.isEmpty()) return d;
        List<String> all = new ArrayList<>(notes);
        all.addAll(d.notes());
        return new Detection(d.family(), d.config(), all);
    }

    private static Detection detectUnwrapped(Map<String, int[]> s) {
        if (s.containsKey("decoder.conv_in.weight") && (s.containsKey("encoder.patch_embed.proj.weight") || s.containsKey("extra_vit.conv_proj.weight")))
            return autoencoder(s);
        if (s.containsKey("t_embedder.mlp.0.weight") && s.containsKey("final_layer.linear.weight")) return dit(s);
        if (s.containsKey("patch_embed.proj.weight") && s.containsKey("cls_token"))
            return s.containsKey("rope_embed.periods") || s.containsKey("storage_tokens") ? dinov3(s) : dinov2(s);
        if (s.containsKey("conv_proj.weight") && s.containsKey("encoder.pos_embedding")) return residualVit(s);
        if (s.containsKey("conv_in.weight") && s.containsKey("norm_out.weight") && s.keySet().stream().anyMatch(k -> k.startsWith("up.")))
            return decoder(s);
        if (s.containsKey("dinov3_sp_mean") && s.containsKey("dinov3_sp_std")) return stats(s);
        return new Detection(UNKNOWN, Map.of(), List.of("no known key pattern (expected e.g. t_embedder.*, cls_token, conv_in.weight, dinov3_sp_mean)"));
    }

    /** Sub-dictionary under a prefix, prefix removed. */
    private static Map<String, int[]> under(Map<String, int[]> s, String prefix) {
        Map<String, int[]> r = new LinkedHashMap<>();
        s.forEach((k, v) -> { if (k.startsWith(prefix)) r.put(k.substring(prefix.length()), v); });
        return r;
    }

    /** Number of distinct indices i in keys matching prefix + i + ".". */
    private static int count(Map<String, int[]> s, String prefix) {
        Pattern p = Pattern.compile("^" + Pattern.quote(prefix) + "(\\d+)\\.");
        TreeSet<Integer> ids = new TreeSet<>();
        for (String k : s.keySet()) {
            Matcher m = p.matcher(k);
            if (m.find()) ids.add(Integer.parseInt(m.group(1)));
        }
        return ids.size();
    }

    private static int dim(Map<String, int[]> s, String key, int axis) {
        int[] sh = s.get(key);
        return sh == null || axis >= sh.length ? -1 : sh[axis];
    }

    private static void putIf(Map<String, Object> c, String k, int v) { if (v >= 0) c.put(k, v); }

    static Detection dit(Map<String, int[]> s) {
        Map<String, Object> c = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        int hidden = dim(s, "t_embedder.mlp.0.weight", 0);
        int patch, in;
        if (s.containsKey("x_embedder.proj.weight")) {
            patch = dim(s, "x_embedder.proj.weight", 2);
            in = dim(s, "x_embedder.proj.weight", 1);
        } else {
            // SVG's DiT embeds each latent token with a Linear "ln1" [hidden, C]: patch size 1
            patch = 1;
            in = dim(s, "ln1.weight", 1);
        }
        int tokens = dim(s, "pos_embed", 1);
        if (tokens > 0) {
            int side = (int) Math.round(Math.sqrt(tokens));
            if (side * side == tokens) putIf(c, "input_size", side * Math.max(1, patch));
        }
        putIf(c, "patch_size", patch);
        putIf(c, "in_channels", in);
        putIf(c, "hidden_size", hidden);
        c.put("depth", count(s, "blocks."));
        boolean qkNorm = s.containsKey("blocks.0.attn.q_norm.weight");
        if (qkNorm && hidden > 0) {
            int headDim = dim(s, "blocks.0.attn.q_norm.weight", 0);
            if (headDim > 0 && hidden % headDim == 0) c.put("num_heads", hidden / headDim);
        } else {
            notes.add("num_heads is not stored in the weights (no qk-norm): pass it in the model config");
        }
        int fc1 = dim(s, "blocks.0.mlp.fc1.weight", 0);
        if (fc1 > 0 && hidden > 0) c.put("mlp_ratio", (double) fc1 / hidden);
        int table = dim(s, "y_embedder.embedding_table.weight", 0);
        if (table > 0) {
            c.put("num_classes", table - 1);
            notes.add("num_classes assumes the extra null class for classifier-free guidance (table has " + table + " rows)");
        }
        c.put("qk_norm", qkNorm);
        int out = dim(s, "final_layer.linear.weight", 0);
        if (out > 0 && in > 0 && patch > 0) c.put("learn_sigma", out == 2 * in * patch * patch);
        return new Detection("SVG DiT (diffusion transformer)", c, notes);
    }

    static Detection dinov3(Map<String, int[]> s) {
        Map<String, Object> c = new LinkedHashMap<>();
        int embed = dim(s, "patch_embed.proj.weight", 0);
        putIf(c, "patch_size", dim(s, "patch_embed.proj.weight", 2));
        putIf(c, "in_chans", dim(s, "patch_embed.proj.weight", 1));
        putIf(c, "embed_dim", embed);
        c.put("depth", count(s, "blocks."));
        // RoPE: periods has head_dim / 4 entries (two axes, sin and cos halves)
        int periods = dim(s, "rope_embed.periods", 0);
        if (periods > 0 && embed > 0 && embed % (4 * periods) == 0) c.put("num_heads", embed / (4 * periods));
        putIf(c, "n_storage_tokens", dim(s, "storage_tokens", 1));
        boolean swiglu = s.containsKey("blocks.0.mlp.w1.weight");
        c.put("ffn_layer", swiglu ? "swiglu" : "mlp");
        putIf(c, "ffn_hidden", dim(s, swiglu ? "blocks.0.mlp.w1.weight" : "blocks.0.mlp.fc1.weight", 0));
        c.put("layerscale", s.containsKey("blocks.0.ls1.gamma"));
        c.put("mask_k_bias", s.containsKey("blocks.0.attn.qkv.bias_mask"));
        c.put("untie_cls_and_patch_norms", s.containsKey("cls_norm.weight"));
        return new Detection("DINOv3 ViT", c, List.of());
    }

    static Detection dinov2(Map<String, int[]> s) {
        Map<String, Object> c = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        int patch = dim(s, "patch_embed.proj.weight", 2);
        putIf(c, "patch_size", patch);
        putIf(c, "embed_dim", dim(s, "patch_embed.proj.weight", 0));
        c.put("depth", count(s, "blocks."));
        int regs = dim(s, "register_tokens", 1);
        c.put("num_register_tokens", Math.max(0, regs));
        int tokens = dim(s, "pos_embed", 1);
        if (tokens > 1 && patch > 0) {
            int side = (int) Math.round(Math.sqrt(tokens - 1));
            if (side * side == tokens - 1) c.put("img_size", side * patch);
        }
        boolean swiglu = s.containsKey("blocks.0.mlp.w12.weight");
        c.put("ffn_layer", swiglu ? "swiglufused" : "mlp");
        c.put("layerscale", s.containsKey("blocks.0.ls1.gamma"));
        notes.add("num_heads is not stored in the weights");
        return new Detection("DINOv2 ViT", c, notes);
    }

    static Detection residualVit(Map<String, int[]> s) {
        Map<String, Object> c = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        int patch = dim(s, "conv_proj.weight", 2);
        putIf(c, "patch_size", patch);
        putIf(c, "hidden_dim", dim(s, "conv_proj.weight", 0));
        c.put("num_layers", count(s, "encoder.layers.encoder_layer_"));
        putIf(c, "mlp_dim", dim(s, "encoder.layers.encoder_layer_0.mlp.0.weight", 0));
        int tokens = dim(s, "encoder.pos_embedding", 1);
        if (tokens > 1 && patch > 0) {
            int side = (int) Math.round(Math.sqrt(tokens - 1));
            if (side * side == tokens - 1) c.put("image_size", side * patch);
        }
        putIf(c, "head_out", dim(s, "heads.0.weight", 0));
        notes.add("num_heads is not stored in the weights; output_dim is applied outside this ViT in SVG");
        return new Detection("SVG residual ViT (torchvision ViT layout)", c, notes);
    }

    static Detection decoder(Map<String, int[]> s) {
        Map<String, Object> c = new LinkedHashMap<>();
        int ch = dim(s, "norm_out.weight", 0);
        int levels = count(s, "up.");
        putIf(c, "z_channels", dim(s, "conv_in.weight", 1));
        putIf(c, "ch", ch);
        putIf(c, "out_ch", dim(s, "conv_out.weight", 0));
        if (ch > 0 && levels > 0) {
            int[] mult = new int[levels];
            List<Integer> attnLevels = new ArrayList<>();
            for (int i = 0; i < levels; i++) {
                int w = dim(s, "up." + i + ".block.0.conv1.weight", 0);
                mult[i] = w > 0 ? w / ch : -1;
                if (count(s, "up." + i + ".attn.") > 0) attnLevels.add(i);
            }
            c.put("ch_mult", Arrays.toString(mult));
            // the decoder has num_res_blocks + 1 blocks per level
            c.put("num_res_blocks", count(s, "up.0.block.") - 1);
            c.put("attention_levels", attnLevels.toString());
            c.put("upsampling_factor", 1 << (levels - 1));
        }
        c.put("mid_attention", s.containsKey("mid.attn_1.q.weight"));
        return new Detection("LDM convolutional decoder", c, List.of());
    }

    static Detection stats(Map<String, int[]> s) {
        Map<String, Object> c = new LinkedHashMap<>();
        int[] m = s.get("dinov3_sp_mean");
        c.put("channels", m.length == 0 ? 1 : m[m.length - 1]);
        c.put("shape", Arrays.toString(m));
        return new Detection("latent statistics (dinov3_sp_stats: per-channel mean and std)", c, List.of());
    }

    static Detection autoencoder(Map<String, int[]> s) {
        Map<String, Object> c = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Map<String, int[]> enc = under(s, "encoder."), extra = under(s, "extra_vit."), dec = under(s, "decoder.");
        if (!enc.isEmpty()) c.put("encoder", (enc.containsKey("rope_embed.periods") ? dinov3(enc) : dinov2(enc)).config());
        if (!extra.isEmpty()) c.put("extra_vit", residualVit(extra).config());
        if (!dec.isEmpty()) c.put("decoder", decoder(dec).config());
        int z = dim(s, "decoder.conv_in.weight", 1), dino = dim(s, "encoder.patch_embed.proj.weight", 0);
        if (z > 0 && dino > 0) c.put("residual_channels", z - dino);
        c.put("use_outnorm", s.containsKey("norm_vit.weight"));
        if (s.containsKey("mask_token")) notes.add("mask_token is used in training only");
        return new Detection("SVG autoencoder (DINOv3 + residual ViT + decoder)", c, notes);
    }
}
