package svg.nn.train.vae;

import svg.nn.decoder.DecoderConfig;

/**
 * Everything needed to rebuild a {@link KlVae} (stored as vae_config.json next to vae.safetensors, and in the
 * "vae" section of a VAE-DiT model.json). Snake-case names, as the other configs stored as JSON.
 *
 * @param image_size  input side in pixels
 * @param patch_size  ViT patch: the latent grid is image_size / patch_size
 * @param hidden_size ViT width (MLP 2x)
 * @param depth       ViT blocks
 * @param num_heads   attention heads
 * @param z_channels  latent channels (the encoder predicts 2x: mean and log-variance)
 * @param ddconfig    the LDM decoder; its z_channels must equal z_channels and it must upsample the grid back to
 *                    image_size
 */
public record VaeConfig(int image_size, int patch_size, int hidden_size, int depth, int num_heads, int z_channels,
                        DecoderConfig ddconfig) {
    public VaeConfig {
        if (image_size < 1 || patch_size < 1 || image_size % patch_size != 0)
            throw new IllegalArgumentException("image_size " + image_size + " must be a positive multiple of patch_size " + patch_size);
        if (hidden_size < 1 || depth < 1 || num_heads < 1 || hidden_size % num_heads != 0)
            throw new IllegalArgumentException("bad ViT size: hidden_size " + hidden_size + ", depth " + depth + ", num_heads " + num_heads
                    + " (hidden_size must be a multiple of num_heads)");
        if (z_channels < 1) throw new IllegalArgumentException("z_channels must be >= 1, got " + z_channels);
        if (ddconfig == null) throw new IllegalArgumentException("missing ddconfig");
        if (ddconfig.z_channels() != z_channels)
            throw new IllegalArgumentException("decoder z_channels " + ddconfig.z_channels() + " != VAE latent channels " + z_channels);
        if ((image_size / patch_size) * ddconfig.upsampleFactor() != image_size)
            throw new IllegalArgumentException("the decoder upsamples x" + ddconfig.upsampleFactor() + " (ch_mult of length " + ddconfig.ch_mult().length
                    + "), so the " + (image_size / patch_size) + "x" + (image_size / patch_size) + " latent grid does not decode to " + image_size + " px");
    }

    /** Side of the latent grid. */
    public int grid() { return image_size / patch_size; }
}
