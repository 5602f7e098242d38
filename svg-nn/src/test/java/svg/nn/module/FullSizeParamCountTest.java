package svg.nn.module;

import org.junit.jupiter.api.Test;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov2.DinoV2Config;
import svg.nn.dinov2.DinoV2VisionTransformer;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViT;
import svg.nn.encoder.ResidualViTConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Builds every full-size configuration shape-only ({@link Meta}) and checks exact parameter counts. The expected
 * numbers were computed with PyTorch 1.13 from the official modules ({@code sum(p.numel() for p in m.parameters())};
 * for the DiT that sum includes the fixed pos_embed, a buffer here) and, for the torchvision residual ViT, by hand
 * from its layer shapes.
 */
class FullSizeParamCountTest {
    private static long count(java.util.function.Supplier<Module> build) {
        try (var m = Meta.scope()) { return build.get().numParameters(); }
    }

    @Test
    void dit() {
        // DiT-XL ~675M in the DiT paper (4 input channels); SVG's has 392 input and 784 output channels
        assertEquals(676_437_904L - 256 * 1152, count(() -> new DiT(DiTConfig.XL, null)));
        assertEquals(459_264_784L - 256 * 1024, count(() -> new DiT(DiTConfig.L, null)));
        assertEquals(131_382_544L - 256 * 768, count(() -> new DiT(DiTConfig.B, null)));
        assertEquals(33_400_336L - 256 * 384, count(() -> new DiT(DiTConfig.S, null)));
    }

    @Test
    void dinov3() {
        assertEquals(28_697_472L, count(() -> new DinoVisionTransformer(DinoV3Config.VITS16PLUS, null))); // ~29M
        assertEquals(21_601_152L, count(() -> new DinoVisionTransformer(DinoV3Config.VITS16, null)));
        assertEquals(85_669_632L, count(() -> new DinoVisionTransformer(DinoV3Config.VITB16, null)));
        assertEquals(303_154_176L, count(() -> new DinoVisionTransformer(DinoV3Config.VITL16, null)));
    }

    @Test
    void dinov2() {
        assertEquals(22_056_576L, count(() -> new DinoV2VisionTransformer(DinoV2Config.VITS14, null)));
        assertEquals(22_058_112L, count(() -> new DinoV2VisionTransformer(DinoV2Config.VITS14_REG, null)));
        assertEquals(86_580_480L, count(() -> new DinoV2VisionTransformer(DinoV2Config.VITB14, null)));
        assertEquals(304_368_640L, count(() -> new DinoV2VisionTransformer(DinoV2Config.VITL14, null)));
        try (var m = Meta.scope()) {
            assertEquals(343, new DinoV2VisionTransformer(DinoV2Config.VITL14, null).stateDict().size());
        }
    }

    @Test
    void decoderAndResidualViT() {
        assertEquals(43_076_483L, count(() -> new Decoder(DecoderConfig.SVG, null))); // ~43M
        // class 384 + conv 295,296 + pos 98,688 + 6 x 1,774,464 + ln 768 + heads 150,920
        assertEquals(11_192_840L, count(() -> new ResidualViT(ResidualViTConfig.SVG, null))); // ~11M
    }

    @Test
    void autoencoderTrainablePartsExcludeTheFrozenEncoder() {
        SvgAutoencoder ae;
        try (var m = Meta.scope()) { ae = new SvgAutoencoder(SvgAutoencoderConfig.SVG, null); }
        // residual ViT + decoder + mask_token (1, 8, 1) + norm_vit (2 x 40) are trained; DINOv3 is frozen
        long trained = 11_192_840L + 43_076_483L + 8 + 80;
        assertEquals(trained, ae.numTrainableParameters());
        assertEquals(trained + 28_697_472L, ae.numParameters());
    }
}
