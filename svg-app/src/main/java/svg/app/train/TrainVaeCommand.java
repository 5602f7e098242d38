package svg.app.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.nn.data.Dataset;
import svg.nn.data.Loader;
import svg.nn.data.Transforms;
import svg.nn.data.Views;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.nn.train.TrainConfig;
import svg.nn.train.Trainer;
import svg.nn.train.autoencoder.AutoencoderLossConfig;
import svg.nn.train.vae.KlVae;
import svg.nn.train.vae.VaeConfig;
import svg.nn.train.vae.VaeTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code svg train vae}: the KL-VAE baseline, with the decoder and loss recipe of {@code svg train autoencoder}
 * available so that only the latent differs. Writes OUT/vae.safetensors, OUT/vae_config.json (everything needed to
 * rebuild the network; written at the start) and OUT/reconstructions.png.
 */
@Command(name = "vae", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the KL-VAE baseline (ViT encoder predicting a Gaussian posterior on the patch grid + the same LDM decoder).",
                "Loss: L1 + --kl-weight x KL; with --ssl also the frozen-encoder perceptual term, with --disc-start also the PatchGAN"
                        + " with the adaptive weight (the recipe of `svg train autoencoder`)."})
public final class TrainVaeCommand implements Callable<Integer> {
    @Mixin TrainOptions opts;
    @Mixin ComputeOptions compute;

    @Option(names = "--image-size", defaultValue = "32", description = "Image side in pixels (default: ${DEFAULT-VALUE}).")
    int size;
    @Option(names = "--patch", defaultValue = "8", description = "Encoder patch, a power of 2: the latent grid is image-size / patch, e.g. 4 -> 8x8 for 32 px (default: ${DEFAULT-VALUE}).")
    int patch;
    @Option(names = "--z-channels", defaultValue = "8", description = "Latent channels (default: ${DEFAULT-VALUE}).")
    int z;
    @Option(names = "--hidden", defaultValue = "64", description = "Encoder ViT width (default: ${DEFAULT-VALUE}).")
    int hidden;
    @Option(names = "--depth", defaultValue = "2", description = "Encoder ViT layers (default: ${DEFAULT-VALUE}).")
    int depth;
    @Option(names = "--heads", defaultValue = "2", description = "Encoder ViT heads (default: ${DEFAULT-VALUE}).")
    int heads;
    @Option(names = "--decoder-ch", defaultValue = "32", description = "Decoder base width, a multiple of 32 (default: ${DEFAULT-VALUE}).")
    int decCh;
    @Option(names = "--ch-mult", split = ",", description = "Decoder width multipliers per level; levels = log2(patch) + 1 (default: 1 on every level but the last, 2 there, as `svg train autoencoder`).")
    int[] chMult;
    @Option(names = "--res-blocks", defaultValue = "0", description = "Decoder num_res_blocks (each level has this + 1) (default: ${DEFAULT-VALUE}).")
    int resBlocks;
    @Option(names = "--kl-weight", defaultValue = "1e-6", description = "KL weight (default: ${DEFAULT-VALUE}, as LDM).")
    double klWeight;
    @Option(names = "--ssl", paramLabel = "DIR", description = "Output directory of `svg train ssl`: its frozen encoder's patch features give the perceptual loss (its image size must equal --image-size). Default: no perceptual term.")
    Path ssl;
    @Option(names = "--perceptual", defaultValue = "0.5", description = "Weight of the perceptual loss, with --ssl (default: ${DEFAULT-VALUE}, as `svg train autoencoder`).")
    double perceptual;
    @Option(names = "--disc-weight", defaultValue = "0.1", description = "PatchGAN weight (times the adaptive weight), with --disc-start (default: ${DEFAULT-VALUE}).")
    double discWeight;
    @Option(names = "--disc-start", paramLabel = "STEP", description = "First step with the PatchGAN loss and discriminator updates (default: no GAN).")
    Long discStart;

    @Override
    public Integer call() throws Exception {
        try (var scope = compute.apply()) {
            if (patch < 1 || Integer.bitCount(patch) != 1) throw new CliException("--patch must be a power of 2, got " + patch);
            if (size < 1 || size % patch != 0) throw new CliException("--image-size " + size + " must be a multiple of --patch " + patch);
            if (discStart != null && discStart < 0) throw new CliException("--disc-start must be >= 0, got " + discStart);
            TrainConfig cfg = opts.config(600, 32, 1e-3, 0.0);
            int levels = Integer.numberOfTrailingZeros(patch) + 1;
            int[] mult = chMult;
            if (mult == null) {
                mult = new int[levels];
                for (int i = 0; i < levels; i++) mult[i] = i < levels - 1 || levels == 1 ? 1 : 2;
            }
            if (mult.length != levels)
                throw new CliException("--ch-mult needs " + levels + " levels for patch " + patch + " (x" + patch + " upsampling), got " + mult.length);
            VaeConfig vc;
            try {
                vc = new VaeConfig(size, patch, hidden, depth, heads, z, new DecoderConfig(decCh, 3, mult, resBlocks, new int[0], 0.0, size, z, 3, true));
            } catch (IllegalArgumentException e) {
                throw new CliException("bad VAE settings: " + e.getMessage(), e);
            }
            DinoVisionTransformer encoder = ssl == null ? null : perceptualEncoder();
            Rng rng = new Rng(cfg.seed());
            KlVae vae = new KlVae(vc, rng);
            // no --disc-start: no discriminator at all (and no draws from rng for one)
            AutoencoderLossConfig lc = new AutoencoderLossConfig(perceptual, discStart == null ? 0 : discWeight, discStart == null ? Long.MAX_VALUE : discStart, 2e-4, 32);
            VaeTask task = new VaeTask(vae, klWeight, lc, encoder, rng);
            StageFiles.saveVaeConfig(cfg.out(), vc);
            Dataset data = Datasets.open(opts, true);
            Views views = Views.single(Transforms.toRgb().then(Transforms.fitTo(size, 0f)).then(Transforms.randomFlip(0.5)));
            System.out.printf(Locale.ROOT, "vae: latent %d x %dx%d, %,d parameters (decoder %s, %d res blocks); loss %s; %d images%n",
                    z, vc.grid(), vc.grid(), vae.numParameters(), Arrays.toString(mult), resBlocks + 1, task.metadata().get("loss"), data.size());
            Trainer.Result r;
            try (Loader loader = new Loader(data, cfg.batchSize(), cfg.seed(), views, cfg.workers(), 4)) {
                r = new Trainer(cfg, task, loader, System.out).run();
            }
            StageFiles.saveVae(cfg.out(), vae);
            double l1 = writeReconstructions(vae, Datasets.open(opts, false), size, cfg.out().resolve("reconstructions.png"));
            System.out.printf(Locale.ROOT, "vae: %d steps in %.1f s, final loss %.4f; test reconstruction mean |error| %.4f; -> %s%n",
                    r.steps(), r.seconds(), r.lastLogs().getOrDefault("loss", Double.NaN), l1, cfg.out().resolve(StageFiles.VAE_WEIGHTS));
        }
        return 0;
    }

    /** The frozen SSL encoder of --ssl, for the perceptual term. */
    private DinoVisionTransformer perceptualEncoder() throws java.io.IOException {
        DinoV3Config dc = StageFiles.readEncoderConfig(ssl);
        if (dc.img_size() != size)
            throw new CliException("the SSL encoder in " + ssl + " takes " + dc.img_size() + " px images but --image-size is " + size);
        DinoVisionTransformer vit = new DinoVisionTransformer(dc, null);
        StageFiles.loadEncoder(ssl, vit);
        return vit;
    }

    /** 16 test images (top) and their posterior-mean reconstructions (bottom); returns the mean L1 error in [0, 1] units. */
    static double writeReconstructions(KlVae vae, Dataset test, int size, Path png) throws java.io.IOException {
        int n = 16;
        var prep = Transforms.toRgb().then(Transforms.fitTo(size, 0f));
        float[] buf = new float[n * 3 * size * size];
        for (int i = 0; i < n; i++) {
            // spread over the test set so several classes appear
            float[] d = prep.apply(test.get(i * 37 % test.size()).image(), new Rng(0)).data();
            System.arraycopy(d, 0, buf, i * d.length, d.length);
        }
        Tensor x = Tensor.of(buf, n, 3, size, size);
        float[] rv;
        try (var g = GradMode.noGrad()) {
            vae.eval();
            rv = vae.decode(vae.encodeMean01(x)).add(1f).mul(0.5f).toArray();
        }
        double l1 = 0;
        for (int i = 0; i < rv.length; i++) { rv[i] = Math.max(0f, Math.min(1f, rv[i])); l1 += Math.abs(rv[i] - buf[i]); }
        ImageIo.writePng(ImageGrid.grid(Tensor.cat(0, x, Tensor.of(rv, n, 3, size, size)), n, 2, 1f), png);
        return l1 / rv.length;
    }
}
