package svg.app.train;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.data.Dataset;
import svg.nn.train.vae.KlVae;
import svg.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * What {@code svg train dit} encodes its training images with: the SVG autoencoder of {@code --autoencoder DIR} or the
 * KL-VAE of {@code --vae DIR}. Public so that svg-spark's distributed encoding writes exactly the latents that
 * {@code svg train dit} would cache.
 *
 * @param encoder images [B, 3, S, S] in [0, 1] -> latents [B, C, g, g]
 * @param size    S, the image side the encoder takes
 * @param grid    g, latent tokens per side
 * @param channels C
 * @param ae      the SVG autoencoder (null with a VAE)
 * @param vae     the KL-VAE (null with an SVG autoencoder)
 * @param source  the stage directory it came from
 */
public record LatentEncoder(UnaryOperator<Tensor> encoder, int size, int grid, int channels, SvgAutoencoder ae, KlVae vae, Path source) {
    /** Images per encoder call: match_distribution rescales with batch statistics, so a latent depends on its batch. */
    public static final int BATCH = 250;

    /** The encoder of {@code svg train dit --autoencoder aeDir} (when aeDir is set) or {@code --vae vaeDir}. */
    public static LatentEncoder open(Path aeDir, Path vaeDir) throws IOException {
        if (vaeDir != null) {
            KlVae v = StageFiles.loadVae(vaeDir);
            return new LatentEncoder(v::encodeMean01, v.config.image_size(), v.grid, v.zChannels, null, v, vaeDir);
        }
        SvgAutoencoder a = StageFiles.loadAutoencoder(aeDir);
        a.eval();
        return new LatentEncoder(x -> a.encode(SvgAutoencoder.imagenetNormalize(x)), a.config.dino().img_size(),
                a.config.dino().img_size() / a.config.dino().patch_size(), a.config.latentChannels(), a, null, aeDir);
    }

    /** Metadata key naming the encoder in a latents file ("autoencoder" or "vae"). */
    public String kind() { return vae != null ? "vae" : "autoencoder"; }

    /**
     * Tokens [n, g*g, C] of images first..first+n-1 of {@code data}, in batches of {@value #BATCH} counted from
     * {@code first}; their labels go to {@code labels}. With first a multiple of {@value #BATCH}, these are rows
     * first.. of what one call from 0 gives.
     */
    public Tensor encode(Dataset data, int first, int n, int[] labels) {
        return TrainDitCommand.encodeAll(encoder, data, first, n, size, labels);
    }
}
