package svg.nn.dinov3;

import svg.nn.layer.LayerNorm;
import svg.nn.layer.ModuleList;
import svg.nn.layer.PatchEmbed;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The DINOv3 vision transformer (official {@code dinov3/models/vision_transformer.py::DinoVisionTransformer}), eval
 * semantics:
 * <pre>
 *   image [B, 3, H, W] -> patch_embed -> [cls, storage x n, patches (row-major)]     tokens [B, 1+n+HW, D]
 *   x = blocks(x, rope(H/p, W/p))          RoPE on patch tokens only, any H x W grid
 *   x_norm = norm(x)                       one LayerNorm for all tokens
 * </pre>
 * Keys equal the official state dict, including the buffers {@code rope_embed.periods} and
 * {@code blocks.i.attn.qkv.bias_mask}.
 */
public class DinoVisionTransformer extends Module {
    /** The {@link Tensor#block} name of every transformer block (see {@link svg.nn.dit.DiT#BLOCK_TAG}). */
    public static final String BLOCK_TAG = "dinov3.block";

    public final DinoV3Config config;
    public final Tensor cls_token, storage_tokens, mask_token;
    public final PatchEmbed patch_embed;
    public final RopePositionEmbedding rope_embed;
    public final ModuleList<SelfAttentionBlock> blocks;
    public final LayerNorm norm;

    /** Outputs of {@link #forwardFeatures}: normed cls [B, D], normed storage [B, n, D], normed patches [B, HW, D],
     * and the last block's output before the norm [B, 1+n+HW, D]; gridH x gridW is the patch grid. */
    public record Features(Tensor x_norm_clstoken, Tensor x_storage_tokens, Tensor x_norm_patchtokens, Tensor x_prenorm,
                           int gridH, int gridW) {}

    /** One entry of {@link #getIntermediateLayers}: patch tokens ([B, HW, D], or [B, D, h, w] when reshaped), the
     * class token [B, D] and the storage ("extra") tokens [B, n, D]. */
    public record Intermediate(Tensor patchTokens, Tensor classToken, Tensor extraTokens) {}

    /** @param rng the official init (trunc-normal 0.02 linears, N(0, 0.02) tokens) when non-null; zeros when null */
    public DinoVisionTransformer(DinoV3Config c, Rng rng) {
        config = c;
        int d = c.embed_dim();
        cls_token = param("cls_token", 1, 1, d);
        storage_tokens = c.n_storage_tokens() > 0 ? param("storage_tokens", 1, c.n_storage_tokens(), d) : null;
        mask_token = param("mask_token", 1, d);
        patch_embed = child("patch_embed", new PatchEmbed(c.in_chans(), d, c.patch_size(), rng));
        rope_embed = child("rope_embed", new RopePositionEmbedding(d, c.num_heads(), c.pos_embed_rope_base(), c.pos_embed_rope_normalize_coords()));
        blocks = child("blocks", new ModuleList<>());
        for (int i = 0; i < c.depth(); i++) blocks.add(new SelfAttentionBlock(c, null));
        norm = child("norm", new LayerNorm(d, c.normEps()));
        if (rng != null) initWeights(rng);
    }

    /** The official init_weights (PatchEmbed keeps its PyTorch-default uniform init). */
    public void initWeights(Rng rng) {
        Init.normal(cls_token, rng, 0, 0.02);
        if (storage_tokens != null) Init.normal(storage_tokens, rng, 0, 0.02);
        Init.zeros(mask_token);
        for (SelfAttentionBlock b : blocks)
            for (Module m : b.modules())
                if (m instanceof svg.nn.layer.Linear l) {
                    Init.truncNormal(l.weight, rng, 0.02, -2, 2);
                    if (l.bias != null) Init.zeros(l.bias);
                }
    }

    /** Patch embedding plus cls and storage tokens: [B, 1 + n + HW, D]. */
    public Tensor prepareTokens(Tensor x) {
        Tensor p = patch_embed.forward(x);                 // [B, HW, D]
        int b = p.size(0), d = p.size(2);
        List<Tensor> parts = new ArrayList<>();
        // the official cls_token + 0 * mask_token only ties mask_token into the graph; it changes no value
        parts.add(cls_token.expand(b, 1, d));
        if (storage_tokens != null) parts.add(storage_tokens.expand(b, config.n_storage_tokens(), d));
        parts.add(p);
        return Tensor.cat(1, parts);
    }

    private int[] grid(Tensor x) {
        if (x.dim() != 4 || x.size(1) != config.in_chans())
            throw new IllegalArgumentException("DINOv3 expects [B, " + config.in_chans() + ", H, W], got " + Arrays.toString(x.shape()));
        int p = config.patch_size();
        if (x.size(2) < p || x.size(3) < p) throw new IllegalArgumentException("image smaller than one patch: " + Arrays.toString(x.shape()));
        return new int[]{x.size(2) / p, x.size(3) / p};
    }

    /** Runs all blocks and returns every block's output (before the final norm). */
    private List<Tensor> runBlocks(Tensor x, int gh, int gw) {
        Tensor[] rope = rope_embed.forward(gh, gw);
        List<Tensor> outs = new ArrayList<>();
        Tensor h = prepareTokens(x);
        for (SelfAttentionBlock blk : blocks) {
            Tensor in = h; // a block is one unit for a device backend (Tensor.block); the CPU just runs it
            h = Tensor.block(BLOCK_TAG, () -> blk.forward(in, rope));
            outs.add(h);
        }
        return outs;
    }

    /** forward_features(x) for a single image batch (no masks). */
    public Features forwardFeatures(Tensor x) { // x: ImageNet-normalised [B, 3, H, W]
        int[] g = grid(x);
        List<Tensor> outs = runBlocks(x, g[0], g[1]);
        Tensor pre = outs.isEmpty() ? prepareTokens(x) : outs.get(outs.size() - 1);
        Tensor xn = norm.forward(pre);
        int n = config.n_storage_tokens(), tot = pre.size(1);
        return new Features(xn.select(1, 0), xn.narrow(1, 1, n), xn.narrow(1, n + 1, tot - n - 1), pre, g[0], g[1]);
    }

    /** forward(x) = head(x_norm_clstoken) with the identity head: [B, D]. */
    public Tensor forward(Tensor x) { return forwardFeatures(x).x_norm_clstoken(); }

    /** get_intermediate_layers with the last {@code n} blocks. */
    public List<Intermediate> getIntermediateLayers(Tensor x, int n, boolean reshape, boolean norm) {
        if (n < 1 || n > blocks.size()) throw new IllegalArgumentException("n must be in [1, " + blocks.size() + "], got " + n);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = blocks.size() - n + i;
        return getIntermediateLayers(x, idx, reshape, norm);
    }

    /**
     * get_intermediate_layers with explicit block indices. Every entry carries the patch, class and extra tokens, so
     * it covers the official {@code return_class_token} / {@code return_extra_tokens} flags.
     */
    public List<Intermediate> getIntermediateLayers(Tensor x, int[] blockIndices, boolean reshape, boolean norm) {
        int[] g = grid(x);
        for (int i : blockIndices)
            if (i < 0 || i >= blocks.size()) throw new IllegalArgumentException("block index " + i + " outside [0, " + blocks.size() + ")");
        List<Tensor> outs = runBlocks(x, g[0], g[1]);
        int ns = config.n_storage_tokens();
        List<Intermediate> r = new ArrayList<>();
        for (int i : blockIndices) {
            Tensor o = norm ? this.norm.forward(outs.get(i)) : outs.get(i);
            int b = o.size(0), tot = o.size(1), d = o.size(2);
            Tensor patches = o.narrow(1, ns + 1, tot - ns - 1);
            if (reshape) patches = patches.reshape(b, g[0], g[1], d).permute(0, 3, 1, 2).contiguous(); // [B, D, h, w]
            r.add(new Intermediate(patches, o.select(1, 0), o.narrow(1, 1, ns)));
        }
        return r;
    }
}
