package svg.app.train;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.nn.data.Dataset;
import svg.nn.data.IdxDataset;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.pipeline.ImageGenerator;
import svg.nn.pipeline.SvgModel;
import svg.nn.probe.FeatureSet;
import svg.nn.probe.Knn;
import svg.nn.probe.LinearProbe;
import svg.nn.probe.ProbeFeatures;
import svg.nn.probe.ProbeFeatures.Pooling;
import svg.tensor.Rng;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code svg eval probe}: how much class information frozen features hold. Fits a linear probe and a weighted kNN
 * classifier on training-set features and scores both on the test set, for raw pixels, an SSL encoder (trained or at
 * random initialisation) or a model's latents, with the same probe code for all of them.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Linear probe and kNN accuracy of frozen features (pixels, an SSL encoder, or a model's latents).")
public final class EvalProbeCommand implements Callable<Integer> {
    @Mixin ComputeOptions compute;

    static final class Source {
        @Option(names = "--pixels", description = "Raw pixels (one plane of the padded 32x32 image).")
        boolean pixels;
        @Option(names = "--encoder", paramLabel = "DIR", description = "An `svg train ssl` output (ssl_config.json + ssl_encoder.safetensors) or a model directory: its frozen DINOv3 encoder.")
        Path encoder;
        @Option(names = "--latent", paramLabel = "DIR", description = "A model directory (SVG or VAE baseline), an `svg train autoencoder` output (its SVG latents: encoder + residual channels) or an `svg train vae` output (its posterior-mean latents): the latents, flattened.")
        Path latent;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--random-init", description = "With --encoder: the same architecture at random initialisation (seed --seed) instead of the trained weights.")
    boolean randomInit;
    @Option(names = "--pooling", defaultValue = "cls+mean", description = "Encoder tokens: cls, mean, cls+mean, patches (default: ${DEFAULT-VALUE}).")
    String pooling;
    @Option(names = "--probe", defaultValue = "both", description = "linear, knn or both (default: ${DEFAULT-VALUE}).")
    String probe;
    @Option(names = "--train-limit", defaultValue = "0", paramLabel = "N", description = "First N training images (0 = all; default: ${DEFAULT-VALUE}).")
    int trainLimit;
    @Option(names = "--test-limit", defaultValue = "0", paramLabel = "N", description = "First N test images (0 = all; default: ${DEFAULT-VALUE}).")
    int testLimit;
    @Option(names = "--k", defaultValue = "20", description = "Neighbours (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--temperature", defaultValue = "0.07", description = "kNN vote temperature (default: ${DEFAULT-VALUE}).")
    double temperature;
    @Option(names = "--epochs", defaultValue = "30", description = "Linear probe epochs (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--probe-lr", defaultValue = "1e-3", description = "Linear probe AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double probeLr;
    @Option(names = "--probe-wd", defaultValue = "1e-4", description = "Linear probe weight decay (default: ${DEFAULT-VALUE}).")
    double probeWd;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random-init encoder and of the probe's shuffling (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--batch", defaultValue = "256", description = "Images per encoder batch (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or mnist (default: ${DEFAULT-VALUE}).")
    String dataset;
    @Option(names = "--data", paramLabel = "DIR", description = "IDX directory (default: the dataset's standard place).")
    Path data;

    @Override
    public Integer call() throws Exception {
        boolean lin = probe.equals("linear") || probe.equals("both"), knn = probe.equals("knn") || probe.equals("both");
        if (!lin && !knn) throw new CliException("--probe must be linear, knn or both, got '" + probe + "'");
        if (k < 1) throw new CliException("--k must be >= 1, got " + k);
        if (randomInit && source.encoder == null) throw new CliException("--random-init needs --encoder (it takes the architecture from there)");
        Pooling pool;
        try {
            pool = Pooling.parse(pooling);
        } catch (IllegalArgumentException e) {
            throw new CliException("--pooling: " + e.getMessage());
        }
        try (var scope = compute.apply()) {
            Dataset train = open(true), test = open(false);
            long t0 = System.nanoTime();
            String what;
            FeatureSet ftr, fte;
            if (source.pixels) {
                what = "pixels";
                ftr = ProbeFeatures.pixels(train, trainLimit, 32);
                fte = ProbeFeatures.pixels(test, testLimit, 32);
            } else if (source.encoder != null) {
                DinoVisionTransformer vit = loadEncoder(source.encoder);
                what = (randomInit ? "random-init encoder" : "encoder " + source.encoder) + ", " + pooling;
                ftr = ProbeFeatures.encoder(vit, train, trainLimit, pool, batch);
                fte = ProbeFeatures.encoder(vit, test, testLimit, pool, batch);
            } else if (Files.isRegularFile(source.latent.resolve(StageFiles.AE_CONFIG))) {
                // an `svg train autoencoder` output: the same latent a model built on it would give
                svg.nn.autoencoder.SvgAutoencoder ae = StageFiles.loadAutoencoder(source.latent);
                ae.eval();
                int size = ae.config.extra_vit().image_size();
                what = "latents of the autoencoder " + source.latent;
                java.util.function.UnaryOperator<svg.tensor.Tensor> enc = x -> ae.encode(svg.nn.autoencoder.SvgAutoencoder.imagenetNormalize(x));
                ftr = ProbeFeatures.batched(train, trainLimit, size, batch, enc);
                fte = ProbeFeatures.batched(test, testLimit, size, batch, enc);
            } else if (Files.isRegularFile(source.latent.resolve(StageFiles.VAE_CONFIG))) {
                // an `svg train vae` output: the posterior means a VAE-DiT built on it trains on
                svg.nn.train.vae.KlVae vae = StageFiles.loadVae(source.latent);
                int size = vae.config.image_size();
                what = "posterior-mean latents of the VAE " + source.latent;
                java.util.function.UnaryOperator<svg.tensor.Tensor> enc = vae::encodeMean01;
                ftr = ProbeFeatures.batched(train, trainLimit, size, batch, enc);
                fte = ProbeFeatures.batched(test, testLimit, size, batch, enc);
            } else {
                if (!Files.isDirectory(source.latent)) throw new CliException("latent directory not found: " + source.latent);
                if (!Files.isRegularFile(source.latent.resolve("model.json")))
                    throw new CliException(source.latent + " holds none of model.json (a model directory), " + StageFiles.AE_CONFIG
                            + " (an `svg train autoencoder` output) or " + StageFiles.VAE_CONFIG + " (an `svg train vae` output)");
                ImageGenerator m = StageFiles.loadModel(source.latent);
                what = "latents of " + source.latent;
                ftr = ProbeFeatures.batched(train, trainLimit, m.imageSize(), batch, m::encode);
                fte = ProbeFeatures.batched(test, testLimit, m.imageSize(), batch, m::encode);
            }
            System.out.printf(Locale.ROOT, "probe: %s: %d-d features of %d train / %d test images (%.1f s)%n",
                    what, ftr.dim(), ftr.n(), fte.n(), (System.nanoTime() - t0) / 1e9);
            if (lin) {
                long t1 = System.nanoTime();
                var fit = new LinearProbe(epochs, 256, probeLr, probeWd, seed).fit(ftr);
                double acc = LinearProbe.accuracy(fit.predict(fte), fte.labels());
                System.out.printf(Locale.ROOT, "linear probe: %.2f%% (%d epochs, %.1f s)%n", 100 * acc, epochs, (System.nanoTime() - t1) / 1e9);
            }
            if (knn) {
                long t1 = System.nanoTime();
                double acc = LinearProbe.accuracy(Knn.predict(ftr, fte, k, temperature), fte.labels());
                System.out.printf(Locale.ROOT, "kNN-%d: %.2f%% (cosine, T %.2f, %.1f s)%n", k, 100 * acc, temperature, (System.nanoTime() - t1) / 1e9);
            }
        }
        return 0;
    }

    private Dataset open(boolean train) {
        try {
            return switch (dataset.toLowerCase(Locale.ROOT)) {
                case "fashion-mnist" -> IdxDataset.fashionMnist(data != null ? data : IdxDataset.FASHION_DEFAULT_DIR, train);
                case "mnist" -> IdxDataset.mnist(data != null ? data : Datasets.mnistDir(), train);
                default -> throw new CliException("unknown --dataset '" + dataset + "' (fashion-mnist, mnist)");
            };
        } catch (IOException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    private DinoVisionTransformer loadEncoder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new CliException("encoder directory not found: " + dir);
        if (Files.isRegularFile(dir.resolve(StageFiles.SSL_CONFIG))) {
            DinoV3Config c = StageFiles.readEncoderConfig(dir);
            DinoVisionTransformer vit = new DinoVisionTransformer(c, randomInit ? new Rng(seed) : null);
            if (!randomInit) StageFiles.loadEncoder(dir, vit);
            vit.eval();
            return vit;
        }
        SvgModel m = loadModel(dir);
        if (!randomInit) return m.autoencoder().encoder;
        DinoVisionTransformer vit = new DinoVisionTransformer(m.autoencoder().encoder.config, new Rng(seed));
        vit.eval();
        return vit;
    }

    private static SvgModel loadModel(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new CliException("model directory not found: " + dir);
        if (!Files.isRegularFile(dir.resolve("model.json")))
            throw new CliException(dir + " holds neither " + StageFiles.SSL_CONFIG + " (an `svg train ssl` output) nor model.json (a model directory)");
        return SvgModel.load(dir);
    }
}
