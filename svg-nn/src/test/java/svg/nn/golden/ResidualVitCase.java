package svg.nn.golden;

import svg.nn.encoder.ResidualViT;
import svg.tensor.autograd.GradMode;

/** Case svg_residual_vit: SVG's residual ViT on the ImageNet-normalised image. */
final class ResidualVitCase implements GoldenCase {
    @Override
    public void run(GoldenContext ctx) throws Exception {
        ResidualViT m = ctx.load(new ResidualViT(GoldenConfigs.residual(ctx.config()), null), ctx.weights());
        m.eval();
        try (var g = GradMode.noGrad()) {
            ctx.check("h_vit", m.forward(ctx.input("x")));
        }
    }
}
