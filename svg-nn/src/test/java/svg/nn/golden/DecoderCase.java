package svg.nn.golden;

import svg.nn.decoder.Decoder;
import svg.tensor.autograd.GradMode;

/** Case svg_decoder: the LDM decoder, latent -> image. */
final class DecoderCase implements GoldenCase {
    @Override
    public void run(GoldenContext ctx) throws Exception {
        Decoder m = ctx.load(new Decoder(GoldenConfigs.decoder(ctx.config()), null), ctx.weights());
        m.eval();
        try (var g = GradMode.noGrad()) {
            ctx.check("image", m.forward(ctx.input("z")));
        }
    }
}
