package svg.nn.autoencoder;

import svg.nn.decoder.Decoder;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.encoder.ResidualViT;
import svg.nn.layer.LayerNorm;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * SVG's autoencoder, the official {@code autoencoder/ldm/models/dino_decoder.py::DinoDecoder}:
 * <pre>
 *   x_dino = ImageNet-normalised image [B, 3, H, W]
 *   h      = encoder.forward_features(x_dino).x_norm_patchtokens^T     [B, D, N]   frozen DINOv3
 *   h_vit  = match_distribution(h, extra_vit(x_dino))                  [B, 8, N]   residual detail
 *   latent = cat(h, h_vit).view(B, D + 8, H/16, W/16)
 *   image  = decoder(latent)                                           [-1, 1] space (no clamp)
 * </pre>
 * State-dict keys equal the official ones: {@code encoder.*}, {@code extra_vit.*}, {@code mask_token},
 * {@code norm_vit.*} (created but unused, as officially), {@code decoder.*}.
 */
public class SvgAutoencoder extends Module {
    /** ImageNet mean and std, the DINO preprocessing. */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f}, STD = {0.229f, 0.224f, 0.225f};

    public final SvgAutoencoderConfig config;
    public final Tensor mask_token; // null when mask_ratio == 0
    public final DinoVisionTransformer encoder;
    public final ResidualViT extra_vit;
    public final LayerNorm norm_vit;
    public final Decoder decoder;

    /** The intermediate tensors of {@link #encodeDetailed}. */
    public record Encoding(Tensor h_dino, Tensor h_vit_raw, Tensor h_vit_matched, Tensor latent) {}

    public SvgAutoencoder(SvgAutoencoderConfig c, Rng rng) {
        config = c;
        int out = c.extra_vit() == null ? 0 : c.extra_vit().output_dim();
        mask_token = c.extra_vit() != null && c.mask_ratio() > 0 ? param("mask_token", 1, out, 1) : null;
        if (mask_token != null && rng != null) Init.normal(mask_token, rng, 0, 0.02);
        encoder = child("encoder", new DinoVisionTransformer(c.dino(), rng));
        encoder.freeze();
        extra_vit = c.extra_vit() == null ? null : child("extra_vit", new ResidualViT(c.extra_vit(), rng));
        norm_vit = c.extra_vit() == null ? null : child("norm_vit", new LayerNorm(out + c.embed_dim(), 1e-5f));
        decoder = child("decoder", new Decoder(c.ddconfig(), rng));
    }

    /** The DINO encoder stays in eval mode (frozen, as the official {@code .eval()}); the rest follows {@code on}. */
    @Override
    public Module train(boolean on) {
        super.train(on);
        encoder.train(false);
        return this;
    }

    /** {@code get_input}: NHWC in [-1, 1] -> {x (NCHW, the reconstruction target), x_dino (ImageNet-normalised)}. */
    public static Tensor[] getInput(Tensor imageNhwc) {
        if (imageNhwc.dim() != 4 || imageNhwc.size(3) != 3)
            throw new IllegalArgumentException("expected an NHWC RGB batch [B, H, W, 3], got " + Arrays.toString(imageNhwc.shape()));
        Tensor x = imageNhwc.permute(0, 3, 1, 2).contiguous();
        return new Tensor[]{x, toDinoInput(x)};
    }

    /** [-1, 1] NCHW -> ((x + 1) / 2 - mean) / std per channel. */
    public static Tensor toDinoInput(Tensor x) {
        return imagenetNormalize(x.add(1f).div(2f));
    }

    /** [0, 1] NCHW -> (x - mean) / std per channel. */
    public static Tensor imagenetNormalize(Tensor x01) {
        if (x01.dim() != 4 || x01.size(1) != 3)
            throw new IllegalArgumentException("expected an NCHW RGB batch [B, 3, H, W], got " + Arrays.toString(x01.shape()));
        Tensor mean = Tensor.of(MEAN.clone(), 1, 3, 1, 1), std = Tensor.of(STD.clone(), 1, 3, 1, 1);
        return x01.sub(mean).div(std);
    }

    /** encode(x_dino): the latent [B, D + out, H/16, W/16]. Deterministic (no masking). */
    public Tensor encode(Tensor xDino) { return encodeDetailed(xDino, null).latent(); }

    /**
     * encode with its intermediates. With a non-null {@code maskRng} and training mode on, the residual ViT applies
     * its dropout and each image's residual features are replaced by {@code mask_token} with probability
     * {@code mask_ratio} (the official training-time masking), both drawn from {@code maskRng}; otherwise this is the
     * inference path.
     */
    public Encoding encodeDetailed(Tensor xDino, Rng maskRng) {
        Tensor h = encoder.forwardFeatures(xDino).x_norm_patchtokens().permute(0, 2, 1); // [B, D, N]
        Tensor raw = null, matched = null, z = h;
        if (extra_vit != null) {
            raw = extra_vit.forward(xDino, maskRng);                                     // [B, out, N]
            Tensor hv = raw;
            if (isTraining() && maskRng != null && mask_token != null) hv = mask(hv, maskRng);
            matched = config.use_outnorm() ? MatchDistribution.apply(h, hv) : hv;
            z = Tensor.cat(1, h, matched);
        }
        // the official code hard-codes 16 (the patch size of every DINOv3 hub model) here; the encoder's own patch
        // size is the same for those and also serves small models (patch 4 or 8 on 32 px images)
        int b = xDino.size(0), p = config.dino().patch_size();
        Tensor latent = z.reshape(b, z.size(1), xDino.size(2) / p, xDino.size(3) / p);
        return new Encoding(h, raw, matched, latent);
    }

    private Tensor mask(Tensor hv, Rng rng) {
        int b = hv.size(0);
        float[] flags = new float[b];
        for (int i = 0; i < b; i++) flags[i] = rng.nextDouble() < config.mask_ratio() ? 1f : 0f;
        Tensor f = Tensor.of(flags, b, 1, 1);
        return hv.mul(f.rsub(1f)).add(mask_token.expand(hv.shape()).mul(f));
    }

    /** decode(z): [B, D + out, h, w] -> image [B, 3, h*f, w*f] in [-1, 1] space (unclamped). */
    public Tensor decode(Tensor latent) { return decoder.forward(latent); }

    /** decode with the decoder's dropout (ddconfig.dropout) in training mode, masks from {@code rng}. */
    public Tensor decode(Tensor latent, Rng rng) { return decoder.forward(latent, rng); }

    /** forward(x_dino) = decode(encode(x_dino)). */
    public Tensor forward(Tensor xDino) { return decode(encode(xDino)); }
}
