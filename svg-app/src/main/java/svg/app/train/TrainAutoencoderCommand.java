package svg.app.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.data.Dataset;
import svg.nn.data.Loader;
import svg.nn.data.Transforms;
import svg.nn.data.Views;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.nn.lpips.Lpips;
import svg.nn.lpips.LpipsWeights;
import svg.nn.train.TrainConfig;
import svg.nn.train.Trainer;
import svg.nn.train.autoencoder.AutoencoderLossConfig;
import svg.nn.train.autoencoder.AutoencoderTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code svg train autoencoder}: residual ViT + LDM decoder on top of the frozen SSL encoder (from
 * {@code svg train ssl}). Writes OUT/autoencoder.safetensors (official DinoDecoder keys), its config and
 * OUT/reconstructions.png (test images, top row originals, bottom row reconstructions).
 */
@Command(name = "autoencoder", mixinStandardHelpOptions = true,
        description = "Train the residual encoder and pixel decoder with the SSL encoder frozen.")
public final class TrainAutoencoderCommand implements Callable<Integer> {
    @Mixin TrainOptions opts;
    @Mixin ComputeOptions compute;

    @Option(names = "--ssl", required = true, paramLabel = "DIR", description = "Output directory of `svg train ssl`.")
    Path ssl;
    @Option(names = "--residual-dim", defaultValue = "64", description = "Residual ViT width (default: ${DEFAULT-VALUE}).")
    int resDim;
    @Option(names = "--residual-depth", defaultValue = "2", description = "Residual ViT layers (default: ${DEFAULT-VALUE}).")
    int resDepth;
    @Option(names = "--residual-heads", defaultValue = "2", description = "Residual ViT heads (default: ${DEFAULT-VALUE}).")
    int resHeads;
    @Option(names = "--residual-channels", defaultValue = "8", description = "Residual latent channels (default: ${DEFAULT-VALUE}).")
    int resOut;
    @Option(names = "--decoder-ch", defaultValue = "32", description = "Decoder base width, a multiple of 32 (default: ${DEFAULT-VALUE}).")
    int decCh;
    @Option(names = "--ch-mult", split = ",", description = "Decoder width multipliers per level; levels = log2(patch) + 1 (default: 1,1,2,...).")
    int[] chMult;
    @Option(names = "--res-blocks", defaultValue = "0", description = "Decoder num_res_blocks (each level has this + 1) (default: ${DEFAULT-VALUE}).")
    int resBlocks;
    @Option(names = "--attn-res", split = ",", description = "Decoder resolutions with attention blocks (default: none).")
    int[] attnRes;
    @Option(names = "--mask-ratio", defaultValue = "0.1", description = "Probability that an image's residual features are replaced by the mask token (default: ${DEFAULT-VALUE}).")
    double maskRatio;
    @Option(names = "--dropout", defaultValue = "0.1", paramLabel = "P",
            description = "Residual ViT dropout after the position embedding, after attention and in the MLPs, in training only (default: ${DEFAULT-VALUE}, as SVG's create_small_vit_s).")
    double dropout;
    @Option(names = "--attention-dropout", defaultValue = "0.1", paramLabel = "P",
            description = "Residual ViT dropout on the attention probabilities, in training only (default: ${DEFAULT-VALUE}, as SVG's create_small_vit_s).")
    double attentionDropout;
    @Option(names = "--decoder-dropout", defaultValue = "0.0", paramLabel = "P",
            description = "Decoder ResNet-block dropout (ddconfig.dropout), in training only (default: ${DEFAULT-VALUE}, as SVG's configs).")
    double decoderDropout;
    @Option(names = "--perceptual", defaultValue = "0.5", description = "Weight of the perceptual loss: frozen-encoder feature MSE, or LPIPS with --lpips (LDM uses 1.0) (default: ${DEFAULT-VALUE}).")
    double perceptual;
    @Option(names = "--lpips", paramLabel = "FILE", description = "LPIPS v0.1 VGG lin weights (the official vgg.pth, keys lin0.model.1.weight..lin4): the perceptual term becomes LPIPS instead of the frozen-encoder feature MSE. Needs --vgg unless FILE is a full LPIPS state dict.")
    Path lpipsFile;
    @Option(names = "--vgg", paramLabel = "FILE", description = "torchvision VGG16 weights for --lpips (features.* keys: vgg16-397923af.pth or a safetensors conversion).")
    Path vggFile;
    @Option(names = "--disc-weight", defaultValue = "0.1", description = "PatchGAN weight, 0 = off (default: ${DEFAULT-VALUE}).")
    double discWeight;
    @Option(names = "--disc-start", paramLabel = "STEP", description = "First step with the GAN loss (default: 60% of steps).")
    Long discStart;

    @Override
    public Integer call() throws Exception {
        try (var scope = compute.apply()) {
            TrainConfig cfg = opts.config(600, 32, 1e-3, 0.0);
            DinoV3Config dino = StageFiles.readEncoderConfig(ssl);
            int size = dino.img_size(), patch = dino.patch_size();
            int levels = Integer.numberOfTrailingZeros(patch) + 1;
            if (Integer.bitCount(patch) != 1) throw new CliException("the SSL patch size must be a power of 2, got " + patch);
            int[] mult = chMult;
            if (mult == null) {
                mult = new int[levels];
                for (int i = 0; i < levels; i++) mult[i] = i < levels - 1 ? 1 : 2;
                if (levels == 1) mult[0] = 1;
            }
            if (mult.length != levels) throw new CliException("--ch-mult needs " + levels + " levels for patch " + patch + " (x" + patch + " upsampling), got " + mult.length);
            int z = dino.embed_dim() + resOut;
            String[] names = {"--dropout", "--attention-dropout", "--decoder-dropout"};
            double[] ps = {dropout, attentionDropout, decoderDropout};
            for (int i = 0; i < ps.length; i++)
                if (!(ps[i] >= 0 && ps[i] < 1)) throw new CliException(names[i] + " must be in [0, 1), got " + ps[i]);
            DecoderConfig dec = new DecoderConfig(decCh, 3, mult, resBlocks, attnRes == null ? new int[0] : attnRes, decoderDropout, size, z, 3, true);
            ResidualViTConfig res = new ResidualViTConfig(size, patch, resDepth, resHeads, resDim, 2 * resDim, resOut, dropout, attentionDropout);
            SvgAutoencoderConfig ac = new SvgAutoencoderConfig(dino, res, dec, 32, maskRatio, true);
            Rng rng = new Rng(cfg.seed());
            SvgAutoencoder ae = new SvgAutoencoder(ac, rng);
            StageFiles.loadEncoder(ssl, ae.encoder);
            long start = discStart != null ? discStart : cfg.steps() * 6 / 10;
            Lpips lpips = loadLpips();
            if (lpips != null && size < 16) throw new CliException("--lpips needs images of at least 16x16 (VGG16 pools four times), the SSL encoder uses " + size);
            AutoencoderTask task = new AutoencoderTask(ae, new AutoencoderLossConfig(perceptual, discWeight, start, 2e-4, 32), rng, lpips);
            Dataset data = Datasets.open(opts, true);
            Views views = Views.single(Transforms.toRgb().then(Transforms.fitTo(size, 0f)).then(Transforms.randomFlip(0.5)));
            System.out.printf(Locale.ROOT, "autoencoder: latent %d x %dx%d, %,d trainable parameters (decoder %s), GAN from step %d,"
                            + " dropout %s (attention %s, decoder %s); %d images%n",
                    z, size / patch, size / patch, svg.nn.optim.Params.count(task.parameters()), Arrays.toString(mult), start,
                    dropout, attentionDropout, decoderDropout, data.size());
            Trainer.Result r;
            try (Loader loader = new Loader(data, cfg.batchSize(), cfg.seed(), views, cfg.workers(), 4)) {
                r = new Trainer(cfg, task, loader, System.out).run();
            }
            StageFiles.saveAutoencoder(cfg.out(), ae);
            writeReconstructions(ae, Datasets.open(opts, false), size, cfg.out().resolve("reconstructions.png"));
            System.out.printf(Locale.ROOT, "autoencoder: %d steps in %.1f s, final loss %.4f; -> %s%n", r.steps(), r.seconds(),
                    r.lastLogs().getOrDefault("loss", Double.NaN), cfg.out().resolve(StageFiles.AE_WEIGHTS));
        }
        return 0;
    }

    /** LPIPS from --lpips/--vgg, or null for the frozen-encoder feature loss. */
    private Lpips loadLpips() throws java.io.IOException {
        if (lpipsFile == null) {
            if (vggFile != null) throw new CliException("--vgg is only used with --lpips (the LPIPS lin weights)");
            return null;
        }
        try {
            Lpips l = LpipsWeights.load(lpipsFile, vggFile);
            System.out.println("autoencoder: perceptual loss = LPIPS (VGG16) from " + lpipsFile + (vggFile == null ? "" : " + " + vggFile));
            return l;
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new CliException("cannot load LPIPS weights: " + e.getMessage());
        }
    }

    /** 16 test images (top) and their reconstructions (bottom); prints the mean L1 error in [0, 1] units. */
    static void writeReconstructions(SvgAutoencoder ae, Dataset test, int size, Path png) throws java.io.IOException {
        int n = 16;
        var prep = Transforms.toRgb().then(Transforms.fitTo(size, 0f));
        float[] buf = new float[n * 3 * size * size];
        for (int i = 0; i < n; i++) {
            // spread over the test set so several classes appear
            float[] d = prep.apply(test.get(i * 37 % test.size()).image(), new Rng(0)).data();
            System.arraycopy(d, 0, buf, i * d.length, d.length);
        }
        Tensor x = Tensor.of(buf, n, 3, size, size);
        Tensor rec;
        try (var g = GradMode.noGrad()) {
            ae.eval();
            rec = ae.forward(SvgAutoencoder.imagenetNormalize(x)).add(1f).mul(0.5f);
        }
        float[] rv = rec.toArray();
        double l1 = 0;
        for (int i = 0; i < rv.length; i++) {
            rv[i] = Math.max(0f, Math.min(1f, rv[i]));
            l1 += Math.abs(rv[i] - buf[i]);
        }
        System.out.printf(Locale.ROOT, "reconstruction mean |error| on %d test images: %.4f (pixels in [0, 1])%n", n, l1 / rv.length);
        Tensor both = Tensor.cat(0, x, Tensor.of(rv, n, 3, size, size));
        ImageIo.writePng(ImageGrid.grid(both, n, 2, 1f), png);
    }
}
