package svg.nn.golden;

import svg.nn.dinov2.DinoV2Config;
import svg.nn.dinov2.DinoV2VisionTransformer;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.Map;

import static svg.nn.golden.GoldenContext.*;

/** Cases dinov2_vit / dinov2_vit_reg (tools/golden/gen_dinov2.py): DINOv2 with resized learned pos_embed. */
final class DinoV2Case implements GoldenCase {
    @Override
    public void run(GoldenContext ctx) throws Exception {
        Map<String, Object> c = ctx.config();
        if (((Number) opt(c, "block_chunks", 0)).intValue() != 0) throw new AssertionError("only block_chunks=0 is supported");
        DinoV2Config cfg = new DinoV2Config(i(c, "img_size"), i(c, "patch_size"), i(c, "in_chans"), i(c, "embed_dim"),
                i(c, "depth"), i(c, "num_heads"), d(c, "mlp_ratio"), b(c, "qkv_bias"), b(c, "ffn_bias"), b(c, "proj_bias"),
                d(c, "init_values"), s(c, "ffn_layer"), i(c, "num_register_tokens"), b(c, "interpolate_antialias"),
                d(c, "interpolate_offset"));
        DinoV2VisionTransformer m = ctx.load(new DinoV2VisionTransformer(cfg, null), ctx.weights());
        m.eval();
        Tensor x = ctx.input("x");
        try (var g = GradMode.noGrad()) {
            var f = m.forwardFeatures(x);
            ctx.check("x_norm_clstoken", f.x_norm_clstoken());
            if (cfg.num_register_tokens() > 0) ctx.check("x_norm_regtokens", f.x_norm_regtokens());
            ctx.check("x_norm_patchtokens", f.x_norm_patchtokens());
            ctx.check("x_prenorm", f.x_prenorm());
            ctx.check("forward_output", m.forward(x));
            int p = cfg.patch_size();
            ctx.check("pos_embed_interp", m.interpolatePosEncoding(x.size(2) / p, x.size(3) / p));
            ctx.check("gil_last_reshaped", m.getIntermediateLayers(x, 1, true, true).get(0)[0]);
        }
    }
}
