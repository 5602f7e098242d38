package svg.app.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import svg.app.ComputeOptions;
import svg.nn.data.Dataset;
import svg.nn.data.Loader;
import svg.nn.data.Transforms;
import svg.nn.data.Views;
import svg.nn.train.TrainConfig;
import svg.nn.train.Trainer;
import svg.nn.train.eval.Accuracy;
import svg.nn.train.eval.ClassifierTask;
import svg.nn.train.eval.PixelClassifier;
import svg.tensor.Rng;
import svg.nn.train.CheckpointFile;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code svg train classifier}: the independent pixel classifier that {@code svg eval classify} uses to judge
 * generated samples. Writes OUT/classifier.safetensors and prints the test-set accuracy.
 */
@Command(name = "classifier", mixinStandardHelpOptions = true,
        description = "Train the small CNN that judges generated samples (Fashion-MNIST pixels).")
public final class TrainClassifierCommand implements Callable<Integer> {
    @Mixin TrainOptions opts;
    @Mixin ComputeOptions compute;

    @Override
    public Integer call() throws Exception {
        try (var scope = compute.apply()) {
            TrainConfig cfg = opts.config(1500, 64, 2e-3, 1e-4);
            Dataset train = Datasets.open(opts, true);
            PixelClassifier net = new PixelClassifier(train.numClasses(), new Rng(cfg.seed()));
            Views views = Views.single(Transforms.randomCrop(28, 2, 0f));
            Trainer.Result r;
            try (Loader loader = new Loader(train, cfg.batchSize(), cfg.seed(), views, cfg.workers(), 4)) {
                r = new Trainer(cfg, new ClassifierTask(net), loader, System.out).run();
            }
            Path file = cfg.out().resolve("classifier.safetensors");
            new CheckpointFile(net.parameters(), Map.of("model", "svg-pixel-classifier", "classes", String.join(",", train.classNames()))).writeAtomically(file);
            System.out.printf(Locale.ROOT, "trained %d steps in %.1f s, final loss %.4f -> %s%n", r.steps(), r.seconds(), r.lastLogs().getOrDefault("loss", Double.NaN), file);
            if (!opts.imageFolder) {
                Dataset test = Datasets.open(opts, false);
                System.out.printf(Locale.ROOT, "test accuracy: %.4f (%d images)%n", Accuracy.onDataset(net, test, test.size()), test.size());
            }
        }
        return 0;
    }
}
