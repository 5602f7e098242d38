package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.nn.flow.SamplerOptions;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * {@code svg sample}: class-conditional generation. Image i of a run uses the noise stream (seed, i), so a run is
 * reproducible and does not depend on the batch size or thread count.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Generate images of the given classes with the DiT and decode them.")
final class SampleCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--class", paramLabel = "CLASS",
            description = "Class id or name, repeatable. Default: cycle through all classes.")
    List<String> classes = new ArrayList<>();

    @Option(names = "--n", paramLabel = "N", defaultValue = "8",
            description = "Images per --class (or in all, without --class). Default ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Noise seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "4", description = "Images per sampler batch (memory vs speed; no effect on results).")
    int batch;

    @Option(names = "--scale", paramLabel = "K", defaultValue = "1", description = "Enlarge each image K times (nearest neighbour) in the output; for looking at small images.")
    int scale;

    @Option(names = "--out", paramLabel = "PATH", defaultValue = "samples.png",
            description = "A .png path: one grid image; any other path: a folder with one PNG per image. Default ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--columns", paramLabel = "C", description = "Grid columns (default: N per row with several classes, else square).")
    Integer columns;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        if (n < 1) throw new CliException("--n must be >= 1, got " + n);
        if (batch < 1) throw new CliException("--batch must be >= 1, got " + batch);
        if (columns != null && columns < 1) throw new CliException("--columns must be >= 1, got " + columns);
        if (scale < 1 || scale > 64) throw new CliException("--scale must be in [1, 64], got " + scale);
        ImageOutput.check(out);
        try (var scope = compute.apply()) {
            SvgModel m = modelOptions.load();
            int[] ids = ClassNames.sampleIds(classes, n, m.classes(), m.numClasses());
            SamplerOptions o = sampling.apply(m.sampling());
            long t0 = System.nanoTime();
            Tensor images;
            try (Progress p = new Progress("sample", quiet)) {
                images = m.generate(ids, o, seed, batch, p);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            int cols = columns != null ? columns : classes.size() > 1 ? n : 0;
            List<Path> files = ImageOutput.write(images, out, "sample", cols, scale);
            LinkedHashSet<String> names = new LinkedHashSet<>();
            for (int id : ids) names.add(m.className(id));
            log.printf(Locale.ROOT, "wrote %s: %d images of %s, %dx%d px, %s, seed %d, in %.1f s; %s%n",
                    files.size() == 1 ? files.get(0) : out + "/ (" + files.size() + " files)", ids.length,
                    names.size() > 6 ? names.size() + " classes" : String.join(", ", names),
                    images.size(3), images.size(2), SamplingOptions.describe(o), seed, secs, ModelOptions.weightsSummary(m));
            log.flush();
        }
        return 0;
    }
}
