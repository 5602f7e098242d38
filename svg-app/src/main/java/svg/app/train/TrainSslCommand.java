package svg.app.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.ComputeOptions;
import svg.nn.data.Dataset;
import svg.nn.data.Loader;
import svg.nn.data.Transforms;
import svg.nn.data.Views;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.train.TrainConfig;
import svg.nn.train.Trainer;
import svg.app.CliException;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.train.TrainTask;
import svg.nn.train.ssl.ContrastiveTask;
import svg.nn.train.ssl.SslConfig;
import svg.nn.train.ssl.SslTask;
import svg.tensor.Rng;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code svg train ssl}: DINO self-distillation of a small DINOv3 ViT on 32x32 images. Writes the teacher backbone
 * (the SSL encoder) to OUT/ssl_encoder.safetensors with DINOv3 state-dict keys and its config to OUT/ssl_config.json.
 */
@Command(name = "ssl", mixinStandardHelpOptions = true, description = "Self-supervised DINO training of the small ViT encoder.")
public final class TrainSslCommand implements Callable<Integer> {
    @Mixin TrainOptions opts;
    @Mixin ComputeOptions compute;

    @Option(names = "--image-size", defaultValue = "32", description = "Training image side; Fashion-MNIST 28x28 is padded (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--patch", defaultValue = "4", description = "ViT patch size (default: ${DEFAULT-VALUE}).")
    int patch;
    @Option(names = "--dim", defaultValue = "64", description = "ViT width (default: ${DEFAULT-VALUE}).")
    int dim;
    @Option(names = "--depth", defaultValue = "4", description = "ViT blocks (default: ${DEFAULT-VALUE}).")
    int depth;
    @Option(names = "--heads", defaultValue = "2", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;
    @Option(names = "--ffn-ratio", defaultValue = "2", description = "MLP ratio (default: ${DEFAULT-VALUE}).")
    double ffnRatio;
    @Option(names = "--local-crops", defaultValue = "2", description = "Local crops per image (default: ${DEFAULT-VALUE}).")
    int localCrops;
    @Option(names = "--local-size", defaultValue = "16", description = "Local crop side (default: ${DEFAULT-VALUE}).")
    int localSize;
    @Option(names = "--prototypes", defaultValue = "256", description = "DINO head output size K (default: ${DEFAULT-VALUE}).")
    int prototypes;
    @Option(names = "--objective", defaultValue = "dino", description = "dino (self-distillation, multi-crop) or contrastive (SimCLR NT-Xent on two views) (default: ${DEFAULT-VALUE}).")
    String objective;
    @Option(names = "--temperature", defaultValue = "0.2", description = "Contrastive softmax temperature (default: ${DEFAULT-VALUE}).")
    double temperature;
    @Option(names = "--min-scale", defaultValue = "0.35", description = "Smallest area fraction of a global crop (default: ${DEFAULT-VALUE}).")
    double minScale;
    @Option(names = "--teacher-momentum", defaultValue = "0.99", description = "Start of the cosine teacher EMA momentum (default: ${DEFAULT-VALUE}).")
    double teacherMomentum;

    static DinoV3Config vitConfig(int imageSize, int patch, int dim, int depth, int heads, double ffnRatio) {
        // hub-style DINOv3 options, small; LayerScale starts at 0.1 (1e-5 suits deep nets trained for long, not this)
        return new DinoV3Config(imageSize, patch, 3, 100, "separate", 2, dim, depth, heads, ffnRatio, true, 0.1,
                "layernormbf16", "mlp", true, true, 4, true);
    }

    @Override
    public Integer call() throws Exception {
        try (var scope = compute.apply()) {
            TrainConfig cfg = opts.config(400, 32, 1e-3, 0.04);
            Dataset data = Datasets.open(opts, true);
            DinoV3Config vit = vitConfig(imageSize, patch, dim, depth, heads, ffnRatio);
            boolean contrastive = switch (objective) {
                case "dino" -> false;
                case "contrastive" -> true;
                default -> throw new CliException("--objective must be dino or contrastive, got '" + objective + "'");
            };
            if (!(minScale > 0 && minScale <= 1)) throw new CliException("--min-scale must be in (0, 1], got " + minScale);
            SslConfig ssl = new SslConfig(2, localCrops, localSize, prototypes, 128, 64, 0.1, 0.04, 0.9, teacherMomentum);
            TrainTask task;
            DinoVisionTransformer student;
            Supplier<DinoVisionTransformer> encoder;
            if (contrastive) {
                ContrastiveTask c = new ContrastiveTask(vit, 256, 128, temperature, new Rng(cfg.seed()));
                task = c;
                student = c.student;
                encoder = c::encoder;
            } else {
                SslTask d = new SslTask(vit, ssl, cfg.steps(), new Rng(cfg.seed()));
                task = d;
                student = d.student;
                encoder = d::encoder;
            }
            var base = Transforms.toRgb().then(Transforms.fitTo(imageSize, 0f));
            Views views = Views.multiCrop(
                    base.then(Transforms.randomResizedCrop(imageSize, minScale, 1.0)).then(Transforms.randomFlip(0.5)).then(Transforms.colorJitter(0.4f, 0.4f, 0f)), 2,
                    base.then(Transforms.randomResizedCrop(localSize, 0.1, 0.35)).then(Transforms.randomFlip(0.5)).then(Transforms.colorJitter(0.4f, 0.4f, 0f)), contrastive ? 0 : localCrops);
            System.out.printf(Locale.ROOT, "ssl (%s): ViT dim %d depth %d heads %d patch %d on %dx%d, %,d parameters; %d images%n",
                    objective, dim, depth, heads, patch, imageSize, imageSize, student.numParameters(), data.size());
            StageFiles.saveEncoderConfig(cfg.out(), vit);
            Trainer.Result r;
            try (Loader loader = new Loader(data, cfg.batchSize(), cfg.seed(), views, cfg.workers(), 4)) {
                r = new Trainer(cfg, task, loader, System.out).run();
            }
            StageFiles.saveEncoder(cfg.out(), encoder.get(), vit);
            System.out.printf(Locale.ROOT, "ssl: %d steps in %.1f s, final loss %.4f; encoder -> %s%n", r.steps(), r.seconds(),
                    r.lastLogs().getOrDefault("loss", Double.NaN), cfg.out().resolve(StageFiles.SSL_WEIGHTS));
        }
        return 0;
    }
}
