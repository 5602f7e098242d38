package svg.nn.autoencoder;

import org.junit.jupiter.api.Test;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.encoder.ResidualViTConfig;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import static org.junit.jupiter.api.Assertions.*;

class SvgAutoencoderTest {
    static final SvgAutoencoderConfig SMALL = new SvgAutoencoderConfig(DinoV3Config.VITS16PLUS.withSize(32, 1, 2),
            new ResidualViTConfig(32, 16, 1, 2, 32, 64, 4),
            new DecoderConfig(32, 3, new int[]{1, 1}, 1, new int[]{2}, 0, 4, 36, 3, true), 8, 0.1, true);

    @Test
    void matchDistributionGivesTheDinoStatistics() {
        Tensor h = Tensor.randn(new Rng(1), 2, 5, 7).mul(3f).add(2f), v = Tensor.randn(new Rng(2), 2, 3, 7).mul(0.1f);
        Tensor m = MatchDistribution.apply(h, v);
        Tensor[] sh = MatchDistribution.stats(h), sm = MatchDistribution.stats(m);
        assertEquals(sh[0].item(), sm[0].item(), 1e-5);
        // per-channel stds averaged: exact for a pure rescaling, up to eps
        assertEquals(sh[1].item(), sm[1].item(), 1e-4);
    }

    @Test
    void encodeDecodeShapesAndFrozenEncoder() {
        SvgAutoencoder ae = new SvgAutoencoder(SMALL, new Rng(1));
        ae.train();
        assertFalse(ae.encoder.isTraining(), "the DINO encoder stays in eval mode");
        assertTrue(ae.encoder.parameters().stream().noneMatch(Tensor::requiresGrad));
        Tensor img = Tensor.rand(new Rng(2), -1f, 1f, 2, 32, 32, 3);
        Tensor[] in = SvgAutoencoder.getInput(img);
        Tensor latent = ae.encode(in[1]);
        assertArrayEquals(new int[]{2, 36, 2, 2}, latent.shape());
        Tensor rec = ae.decode(latent);
        assertArrayEquals(new int[]{2, 3, 4, 4}, rec.shape());
        rec.square().mean().backward();
        assertNotNull(ae.extra_vit.conv_proj.weight.grad());
        assertNull(ae.encoder.patch_embed.proj.weight.grad());
    }

    @Test
    void trainingMaskUsesTheMaskToken() {
        SvgAutoencoder ae = new SvgAutoencoder(SMALL, new Rng(1));
        ae.train();
        Tensor x = SvgAutoencoder.imagenetNormalize(Tensor.rand(new Rng(3), 0f, 1f, 4, 3, 32, 32));
        try (var g = GradMode.noGrad()) {
            Tensor plain = ae.encodeDetailed(x, null).h_vit_raw();
            // with mask_ratio 1 every residual map is the mask token before matching
            SvgAutoencoder all = new SvgAutoencoder(new SvgAutoencoderConfig(SMALL.dino(), SMALL.extra_vit(), SMALL.ddconfig(), 8, 1.0, false), new Rng(1));
            all.train();
            Tensor masked = all.encodeDetailed(x, new Rng(4)).h_vit_matched();
            assertEquals(all.mask_token.get(0, 2, 0), masked.get(3, 2, 1));
            assertNotEquals(plain.get(3, 2, 1), masked.get(3, 2, 1));
        }
    }

    @Test
    void configRejectsInconsistentLatentWidth() {
        assertThrows(IllegalArgumentException.class, () -> new SvgAutoencoderConfig(SMALL.dino(), SMALL.extra_vit(),
                SMALL.ddconfig().withZChannels(40), 8, 0.1, true));
    }
}
