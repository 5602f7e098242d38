package svg.nn.pipeline;

import svg.nn.flow.SamplerOptions;
import svg.tensor.Tensor;

import java.util.List;

/**
 * What evaluation needs from a class-conditional latent generator: sampling and the autoencoding it samples
 * through. Implemented by {@link SvgModel} (SVG latents) and by the KL-VAE baseline's model
 * ({@code svg.nn.train.vae.VaeDitModel}), so the two latents are scored by the same code.
 */
public interface ImageGenerator {
    int numClasses();

    List<String> classes();

    /** Side of the images {@link #encode} takes. */
    int imageSize();

    /** Side of the images {@link #generate} and {@link #decode} give. */
    int outputSize();

    /** The default sampler settings (model.json). */
    SamplerOptions sampling();

    /** One image [N, 3, S, S] in [0, 1] per class id; image i uses the noise stream (seed, i), whatever the batch size. */
    Tensor generate(int[] classIds, SamplerOptions opts, long seed, int batchSize, ProgressListener progress);

    /** Images [N, 3, S, S] in [0, 1] -> latents [N, C, h, w]. */
    Tensor encode(Tensor images01);

    /** Latents [N, C, h, w] -> images in [0, 1]. */
    Tensor decode(Tensor latent);

    /** decode(encode(images)). */
    default Tensor reconstruct(Tensor images01) { return decode(encode(images01)); }
}
