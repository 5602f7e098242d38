package svg.nn.golden;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.Map;

import static svg.nn.golden.GoldenContext.*;

/** Case svg_autoencoder_encode: DinoDecoder get_input, encode (with match_distribution), decode, forward. */
final class AutoencoderCase implements GoldenCase {
    @Override
    public void run(GoldenContext ctx) throws Exception {
        Map<String, Object> c = ctx.config();
        Map<String, Object> extra = obj(c, "extra_vit_config");
        var residual = GoldenConfigs.residual(obj(c, "residual_vit"));
        if (residual.output_dim() != i(extra, "output_dim"))
            throw new AssertionError("residual_vit.output_dim != extra_vit_config.output_dim");
        // dino_full holds every constructor argument; a case with only the sizes ("dino") gets the ViT-S/16+ options
        DinoV3Config dino = c.containsKey("dino_full") ? GoldenConfigs.dino(obj(c, "dino_full"))
                : DinoV3Config.VITS16PLUS.withSize(i(obj(c, "dino"), "embed_dim"), i(obj(c, "dino"), "depth"), i(obj(c, "dino"), "num_heads"));
        SvgAutoencoderConfig cfg = new SvgAutoencoderConfig(dino, residual,
                GoldenConfigs.decoder(obj(c, "ddconfig")), i(c, "embed_dim"), d(extra, "mask_ratio"), b(extra, "use_outnorm"));
        Map<String, Tensor> w = ctx.weights();
        SvgAutoencoder m = ctx.load(new SvgAutoencoder(cfg, null), w);
        m.eval();
        ctx.checkExtraWeightsMatch(w, () -> new SvgAutoencoder(cfg, null));
        try (var g = GradMode.noGrad()) {
            Tensor[] in = SvgAutoencoder.getInput(ctx.input("image_nhwc"));
            ctx.check("x", in[0]);
            ctx.check("x_dino", in[1]);
            SvgAutoencoder.Encoding e = m.encodeDetailed(in[1], null);
            ctx.check("h_dino", e.h_dino());
            ctx.check("h_vit_raw", e.h_vit_raw());
            ctx.check("h_vit_matched", e.h_vit_matched());
            ctx.check("latent", e.latent());
            int b = e.latent().size(0), ch = e.latent().size(1);
            ctx.check("latent_tokens", e.latent().reshape(b, ch, -1).permute(0, 2, 1)); // the DiT layout of train_svg.py
            ctx.check("decoded", m.decode(e.latent()));
            ctx.check("forward_reconstruction", m.forward(in[1]));
        }
    }
}
