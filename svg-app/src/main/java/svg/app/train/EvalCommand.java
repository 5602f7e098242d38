package svg.app.train;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.app.SamplingOptions;
import svg.app.Progress;
import svg.nn.data.Dataset;
import svg.nn.data.IdxDataset;
import svg.nn.flow.SamplerOptions;
import svg.nn.pipeline.SvgModel;
import svg.nn.train.CheckpointFile;
import svg.nn.train.eval.Accuracy;
import svg.nn.train.eval.PixelClassifier;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code svg eval ...}: quality checks of trained models. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate trained models.",
        subcommands = {EvalCommand.Classify.class, EvalProbeCommand.class, EvalFdCommand.class})
public final class EvalCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /**
     * {@code svg eval classify}: generates N images per class with a model and reports which fraction the independent
     * pixel classifier ({@code svg train classifier}) assigns to the requested class.
     */
    @Command(name = "classify", mixinStandardHelpOptions = true,
            description = "Generate images of every class and report how many an independent classifier recognises.")
    public static final class Classify implements Callable<Integer> {
        @Mixin ComputeOptions compute;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (svg-jvm-model/1).")
        Path modelDir;
        @Option(names = "--classifier", required = true, paramLabel = "FILE", description = "classifier.safetensors from `svg train classifier`.")
        Path classifier;
        @Option(names = "--n", defaultValue = "20", description = "Images per class (default: ${DEFAULT-VALUE}).")
        int n;
        @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
        long seed;
        @Mixin SamplingOptions sampling;
        @Option(names = "--no-progress", description = "No progress bar while sampling (for logs).")
        boolean noProgress;

        @Option(names = "--real", description = "Also print the classifier's per-class accuracy on the real Fashion-MNIST test set, "
                + "the scale for the sample numbers (a class it confuses on real images it also confuses on samples).")
        boolean real;
        @Option(names = "--data", paramLabel = "DIR", description = "With --real: Fashion-MNIST IDX folder (default: /usr/share/datasets/fashion-mnist).")
        Path data;

        @Override
        public Integer call() throws Exception {
            try (var scope = compute.apply()) {
                if (!Files.isDirectory(modelDir)) throw new CliException("model directory not found: " + modelDir);
                SvgModel model = SvgModel.load(modelDir);
                CheckpointFile cf = CheckpointFile.read(classifier);
                PixelClassifier clf = new PixelClassifier(model.numClasses(), new Rng(0));
                clf.load(cf.tensors());
                SamplerOptions o = sampling.apply(model.sampling());
                int k = model.numClasses();
                int[] ids = new int[k * n];
                for (int i = 0; i < ids.length; i++) ids[i] = i / n;
                long t0 = System.nanoTime();
                Tensor imgs;
                try (Progress bar = new Progress("classify", noProgress)) {
                    imgs = model.generate(ids, o, seed, 32, bar);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                int[] pred = clf.predict(imgs);
                int correct = 0;
                System.out.printf(Locale.ROOT, "generated %d images (%d per class, %s) in %.1f s%n", ids.length, n, SamplingOptions.describe(o), secs);
                for (int c = 0; c < k; c++) {
                    int[] pc = java.util.Arrays.copyOfRange(pred, c * n, (c + 1) * n);
                    double acc = Accuracy.fractionEqual(pc, c);
                    correct += (int) Math.round(acc * n);
                    System.out.printf(Locale.ROOT, "  %-12s %5.1f%%%n", model.className(c), 100 * acc);
                }
                double[] ci = Accuracy.wilson95(correct, ids.length);
                System.out.printf(Locale.ROOT, "classifier agreement: %.1f%% of %d samples (95%% interval %.1f-%.1f%%, Wilson)%n",
                        100.0 * correct / ids.length, ids.length, 100 * ci[0], 100 * ci[1]);
                if (real) printReal(clf, model);
            }
            return 0;
        }

        private void printReal(PixelClassifier clf, SvgModel model) throws java.io.IOException {
            Dataset test = IdxDataset.fashionMnist(data != null ? data : IdxDataset.FASHION_DEFAULT_DIR, false);
            int[][] c = Accuracy.confusion(clf, test, test.size(), model.numClasses());
            int right = 0, all = 0;
            System.out.printf(Locale.ROOT, "the classifier on the %d real test images:%n", test.size());
            for (int t = 0; t < model.numClasses(); t++) {
                int row = 0;
                for (int v : c[t]) row += v;
                right += c[t][t];
                all += row;
                System.out.printf(Locale.ROOT, "  %-12s %5.1f%%%n", model.className(t), row == 0 ? 0 : 100.0 * c[t][t] / row);
            }
            System.out.printf(Locale.ROOT, "classifier accuracy on real test images: %.1f%%%n", 100.0 * right / Math.max(1, all));
        }
    }
}
