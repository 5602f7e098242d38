package svg.nn.golden;

import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.dinov3.DinoVisionTransformer.Features;
import svg.nn.dinov3.DinoVisionTransformer.Intermediate;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.List;

/** Cases dinov3_vit and dinov3_vit_rect: forward_features, forward, get_intermediate_layers and the RoPE tables. */
final class DinoCase implements GoldenCase {
    @Override
    public void run(GoldenContext ctx) throws Exception {
        DinoVisionTransformer m = ctx.load(new DinoVisionTransformer(GoldenConfigs.dino(ctx.config()), null), ctx.weights());
        m.eval();
        Tensor x = ctx.input("x");
        try (var g = GradMode.noGrad()) {
            Features f = m.forwardFeatures(x);
            ctx.check("x_norm_clstoken", f.x_norm_clstoken());
            ctx.check("x_storage_tokens", f.x_storage_tokens());
            ctx.check("x_norm_patchtokens", f.x_norm_patchtokens());
            ctx.check("x_prenorm", f.x_prenorm());
            ctx.check("forward_output", m.forward(x));

            // get_intermediate_layers(x, n=k, return_class_token=True, return_extra_tokens=True, norm=True)
            int n = ctx.outputNames("gil_patch_").size();
            if (n > 0) {
                List<Intermediate> gil = m.getIntermediateLayers(x, n, false, true);
                for (int i = 0; i < n; i++) {
                    ctx.check("gil_patch_" + i, gil.get(i).patchTokens());
                    ctx.check("gil_cls_" + i, gil.get(i).classToken());
                    ctx.check("gil_storage_" + i, gil.get(i).extraTokens());
                }
            }
            if (ctx.outputs().containsKey("gil_last_reshaped"))
                ctx.check("gil_last_reshaped", m.getIntermediateLayers(x, 1, true, true).get(0).patchTokens());

            Tensor[] rope = m.rope_embed.forward(f.gridH(), f.gridW());
            ctx.check("rope_sin", rope[0]);
            ctx.check("rope_cos", rope[1]);
        }
    }
}
