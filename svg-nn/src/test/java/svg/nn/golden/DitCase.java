package svg.nn.golden;

import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.Map;

/** Case svg_dit: DiT.forward and its embedders and first block; also runs with the weights read from the .pt copy. */
final class DitCase implements GoldenCase {
    @Override
    public void run(GoldenContext ctx) throws Exception {
        DiTConfig cfg = GoldenConfigs.dit(ctx.config());
        Map<String, Tensor> w = ctx.weights();
        DiT m = ctx.load(new DiT(cfg, null), w);
        m.eval();
        ctx.checkExtraWeightsMatch(w, () -> new DiT(cfg, null));
        Tensor x = ctx.input("x"), t = ctx.input("t");
        int[] y = ctx.labels("y");
        try (var g = GradMode.noGrad()) {
            ctx.check("out", m.forward(x, t, y));
            ctx.check("t_emb", m.t_embedder.forward(t));
            ctx.check("y_emb", m.y_embedder.forward(y));
            Tensor c = m.condition(t, y);
            ctx.check("block_0_out", m.blocks.get(0).forward(m.embedTokens(x), c));
        }
    }
}
