package svg.nn.autoencoder;

import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.encoder.ResidualViTConfig;

/**
 * SVG's autoencoder ({@code DinoDecoder}): frozen DINOv3 {@code encoder}, residual ViT {@code extra_vit} (its
 * {@code output_dim} is the {@code extra_vit_config.output_dim}), LDM {@code decoder} ({@code ddconfig}).
 * {@code embed_dim} only sizes the unused {@code norm_vit}. The decoder's z_channels must be
 * dino.embed_dim + extra_vit.output_dim.
 */
public record SvgAutoencoderConfig(DinoV3Config dino, ResidualViTConfig extra_vit, DecoderConfig ddconfig, int embed_dim,
                                   double mask_ratio, boolean use_outnorm) {
    public SvgAutoencoderConfig {
        if (ddconfig.z_channels() != latentChannels(dino, extra_vit))
            throw new IllegalArgumentException("decoder z_channels " + ddconfig.z_channels() + " != DINOv3 embed_dim "
                    + dino.embed_dim() + " + residual output_dim " + (extra_vit == null ? 0 : extra_vit.output_dim()));
    }

    private static int latentChannels(DinoV3Config d, ResidualViTConfig r) {
        return d.embed_dim() + (r == null ? 0 : r.output_dim());
    }

    /** The official configs/example_svg_autoencoder_vitsp.yaml: ViT-S/16+ (384) + 8 residual channels = 392. */
    public static final SvgAutoencoderConfig SVG = new SvgAutoencoderConfig(DinoV3Config.VITS16PLUS, ResidualViTConfig.SVG,
            DecoderConfig.SVG, 32, 0.1, true);

    public int latentChannels() { return latentChannels(dino, extra_vit); }
}
