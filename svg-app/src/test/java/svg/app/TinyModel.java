package svg.app;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.flow.SamplerOptions;
import svg.nn.module.Module;
import svg.nn.pipeline.LatentStats;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A tiny random SVG model for the command tests (the trained default model may not exist yet): 32 px inputs,
 * DINOv3 width 32 + 4 residual channels on a 2x2 latent grid, a 4 px decoder output, 3 classes with Fashion-MNIST
 * style names.
 */
final class TinyModel {
    static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Sneaker");
    static final SvgAutoencoderConfig AE = new SvgAutoencoderConfig(DinoV3Config.VITS16PLUS.withSize(32, 1, 2),
            new ResidualViTConfig(32, 16, 1, 2, 32, 64, 4),
            new DecoderConfig(32, 3, new int[]{1, 1}, 1, new int[]{2}, 0, 4, 36, 3, true), 8, 0.1, true);
    static final DiTConfig DIT = new DiTConfig(2, 1, 36, 32, 1, 2, 4.0, 0.1, 3, true, 0, true);

    private TinyModel() {}

    /** Random values in every parameter (the official init zeroes adaLN and output layers: all images would match). */
    static <M extends Module> M randomize(M m, long seed) {
        Rng r = new Rng(seed);
        try (var g = GradMode.noGrad()) {
            for (Tensor p : m.parameters()) {
                float[] d = p.data();
                for (int i = 0; i < d.length; i++) d[i] = (float) (0.2 * r.nextGaussian());
            }
        }
        return m;
    }

    static SvgModel build() {
        Rng r = new Rng(1);
        LatentStats stats = new LatentStats(Tensor.randn(r, 1, 1, 36).mul(0.3f), Tensor.rand(r, 0.5f, 2f, 1, 1, 36));
        return new SvgModel(randomize(new DiT(DIT, null), 2), randomize(new SvgAutoencoder(AE, null), 3), stats,
                CLASSES, 32, SamplerOptions.defaults().withSteps(2).withCfg(2.0));
    }

    /** Saves the tiny model as a model directory. */
    static Path save(Path dir) throws IOException {
        build().save(dir);
        return dir;
    }
}
