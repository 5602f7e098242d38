package svg.nn.train.vae;

import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.encoder.ResidualViT;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * The KL-VAE baseline SVG is compared against, built from the same parts: a ViT encoder (the residual-ViT class)
 * predicting a diagonal Gaussian posterior (mean and log-variance, {@code z} channels each) on the patch grid, and
 * the same LDM decoder. Keys: {@code encoder.*}, {@code decoder.*}.
 */
public final class KlVae extends Module {
    public final ResidualViT encoder;
    public final Decoder decoder;
    public final int zChannels, grid;
    public final VaeConfig config;

    /** The posterior: mean and log-variance [B, z, g, g] (log-variance clamped to [-30, 20] as in LDM). */
    public record Posterior(Tensor mean, Tensor logvar) {
        public Tensor sample(Rng rng) { return mean.add(logvar.mul(0.5f).exp().mul(Tensor.randn(rng, mean.shape()))); }

        /** KL(q || N(0, I)) summed over latent elements, averaged over the batch (LDM's DiagonalGaussian.kl). */
        public Tensor kl() {
            return mean.square().add(logvar.exp()).sub(1f).sub(logvar).sum().mul(0.5f / mean.size(0));
        }
    }

    public KlVae(int imageSize, int patch, int hidden, int layers, int heads, int z, DecoderConfig dec, Rng rng) {
        this(new VaeConfig(imageSize, patch, hidden, layers, heads, z, dec), rng);
    }

    /** @param rng initialisation, or null for a network whose weights will be loaded */
    public KlVae(VaeConfig c, Rng rng) {
        this.config = c;
        this.zChannels = c.z_channels();
        this.grid = c.grid();
        encoder = child("encoder", new ResidualViT(new ResidualViTConfig(c.image_size(), c.patch_size(), c.depth(), c.num_heads(),
                c.hidden_size(), 2 * c.hidden_size(), 2 * c.z_channels()), rng));
        decoder = child("decoder", new Decoder(c.ddconfig(), rng));
    }

    /** x in [-1, 1], [B, 3, S, S]. */
    public Posterior encode(Tensor x) {
        Tensor h = encoder.forward(x);                       // [B, 2z, N]
        int b = x.size(0);
        Tensor m = h.narrow(1, 0, zChannels).reshape(b, zChannels, grid, grid);
        Tensor lv = h.narrow(1, zChannels, zChannels).reshape(b, zChannels, grid, grid);
        lv = lv.maximum(-30f).neg().maximum(-20f).neg();     // clamp(-30, 20)
        return new Posterior(m, lv);
    }

    public Tensor decode(Tensor z) { return decoder.forward(z); }

    /**
     * Images [B, 3, S, S] in [0, 1] -> the posterior mean [B, z, g, g]: the deterministic latent an LDM trains its
     * diffusion model on (the mode of the posterior, so a latent does not depend on sampling noise).
     */
    public Tensor encodeMean01(Tensor images01) { return encode(images01.mul(2f).sub(1f)).mean(); }
}
