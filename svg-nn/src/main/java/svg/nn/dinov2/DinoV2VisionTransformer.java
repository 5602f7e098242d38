package svg.nn.dinov2;

import svg.nn.layer.LayerNorm;
import svg.nn.layer.Linear;
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
 * The DINOv2 vision transformer (official {@code dinov2/models/vision_transformer.py::DinoVisionTransformer}), eval:
 * <pre>
 *   image [B, 3, H, W] -> patch_embed, prepend cls, + pos_embed (learned; bicubic-resized to the H/p x W/p grid)
 *   -> insert registers after cls -> blocks -> norm           tokens [cls, registers, patches]
 * </pre>
 */
public class DinoV2VisionTransformer extends Module {
    public final DinoV2Config config;
    public final Tensor cls_token, pos_embed, register_tokens, mask_token;
    public final PatchEmbed patch_embed;
    public final ModuleList<DinoV2Block> blocks;
    public final LayerNorm norm;

    /** Normed cls [B, D], registers [B, R, D], patches [B, HW, D], and the pre-norm tokens. */
    public record Features(Tensor x_norm_clstoken, Tensor x_norm_regtokens, Tensor x_norm_patchtokens, Tensor x_prenorm) {}

    public DinoV2VisionTransformer(DinoV2Config c, Rng rng) {
        config = c;
        int d = c.embed_dim(), n = c.baseGrid() * c.baseGrid();
        cls_token = param("cls_token", 1, 1, d);
        pos_embed = param("pos_embed", 1, n + 1, d);
        register_tokens = c.num_register_tokens() > 0 ? param("register_tokens", 1, c.num_register_tokens(), d) : null;
        mask_token = param("mask_token", 1, d);
        patch_embed = child("patch_embed", new PatchEmbed(c.in_chans(), d, c.patch_size(), rng));
        blocks = child("blocks", new ModuleList<>());
        for (int i = 0; i < c.depth(); i++) blocks.add(new DinoV2Block(c, null));
        norm = child("norm", new LayerNorm(d, 1e-6f));
        if (rng != null) {
            Init.truncNormal(pos_embed, rng, 0.02, -2, 2);
            Init.normal(cls_token, rng, 0, 1e-6);
            if (register_tokens != null) Init.normal(register_tokens, rng, 0, 1e-6);
            for (DinoV2Block b : blocks)
                for (Module m : b.modules())
                    if (m instanceof Linear l) {
                        Init.truncNormal(l.weight, rng, 0.02, -2, 2);
                        if (l.bias != null) Init.zeros(l.bias);
                    }
        }
    }

    /** The official interpolate_pos_encoding: pos_embed for a gh x gw patch grid, [1, 1 + gh*gw, D]. */
    public Tensor interpolatePosEncoding(int gh, int gw) {
        int m = config.baseGrid(), d = config.embed_dim();
        if (gh == m && gw == m) return pos_embed;
        Tensor cls = pos_embed.narrow(1, 0, 1);
        Tensor grid = pos_embed.narrow(1, 1, m * m).reshape(m, m, d).permute(2, 0, 1); // [D, M, M]
        double off = config.interpolate_offset();
        // with an offset the official code passes scale_factor = (g + offset) / M, and torch maps with 1/scale_factor
        double sh = off != 0 ? m / (gh + off) : (double) m / gh, sw = off != 0 ? m / (gw + off) : (double) m / gw;
        Tensor r = BicubicResize.resize(grid, gh, gw, sh, sw, config.interpolate_antialias()); // [D, gh, gw]
        return Tensor.cat(1, cls, r.permute(1, 2, 0).reshape(1, gh * gw, d));
    }

    public Tensor prepareTokens(Tensor x) {
        int p = config.patch_size();
        if (x.dim() != 4 || x.size(1) != config.in_chans() || x.size(2) % p != 0 || x.size(3) % p != 0)
            throw new IllegalArgumentException("DINOv2 expects [B, " + config.in_chans() + ", H, W] with H, W multiples of "
                    + p + ", got " + Arrays.toString(x.shape()));
        Tensor t = patch_embed.forward(x);
        int b = t.size(0), d = t.size(2);
        t = Tensor.cat(1, cls_token.expand(b, 1, d), t).add(interpolatePosEncoding(x.size(2) / p, x.size(3) / p));
        if (register_tokens == null) return t;
        return Tensor.cat(1, t.narrow(1, 0, 1), register_tokens.expand(b, config.num_register_tokens(), d), t.narrow(1, 1, t.size(1) - 1));
    }

    private List<Tensor> runBlocks(Tensor x) {
        List<Tensor> outs = new ArrayList<>();
        Tensor h = prepareTokens(x);
        for (DinoV2Block b : blocks) outs.add(h = b.forward(h));
        return outs;
    }

    public Features forwardFeatures(Tensor x) {
        List<Tensor> outs = runBlocks(x);
        Tensor pre = outs.isEmpty() ? prepareTokens(x) : outs.get(outs.size() - 1);
        Tensor xn = norm.forward(pre);
        int r = config.num_register_tokens(), n = pre.size(1);
        return new Features(xn.select(1, 0), xn.narrow(1, 1, r), xn.narrow(1, r + 1, n - r - 1), pre);
    }

    /** forward(x) = head(x_norm_clstoken), identity head. */
    public Tensor forward(Tensor x) { return forwardFeatures(x).x_norm_clstoken(); }

    /** get_intermediate_layers of the last n blocks: patch tokens (NCHW when reshaped) with their class tokens. */
    public List<Tensor[]> getIntermediateLayers(Tensor x, int n, boolean reshape, boolean norm) {
        if (n < 1 || n > blocks.size()) throw new IllegalArgumentException("n must be in [1, " + blocks.size() + "]");
        List<Tensor> outs = runBlocks(x);
        int r = config.num_register_tokens(), p = config.patch_size();
        List<Tensor[]> res = new ArrayList<>();
        for (int i = blocks.size() - n; i < blocks.size(); i++) {
            Tensor o = norm ? this.norm.forward(outs.get(i)) : outs.get(i);
            int b = o.size(0), d = o.size(2);
            Tensor patches = o.narrow(1, r + 1, o.size(1) - r - 1);
            if (reshape) patches = patches.reshape(b, x.size(2) / p, x.size(3) / p, d).permute(0, 3, 1, 2).contiguous();
            res.add(new Tensor[]{patches, o.select(1, 0)});
        }
        return res;
    }
}
