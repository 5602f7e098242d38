package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.nn.flow.SamplerOptions;
import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.nn.pipeline.Latents;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code svg interpolate}: a strip of images along a spherical interpolation (slerp), either between the initial
 * noises of two seeds (then sampled with the DiT, one class) or between the latents of two images (then decoded).
 */
@Command(name = "interpolate", mixinStandardHelpOptions = true,
        description = "Interpolate (slerp) between two seeds (generated) or two images (encoded) and write a strip PNG.")
final class InterpolateCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ComputeOptions compute;

    @Parameters(paramLabel = "IMAGE", arity = "0..2", description = "Two images to interpolate between (or use --seeds).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--seeds", paramLabel = "SEED", arity = "2", description = "Two noise seeds to interpolate between (generation).")
    long[] seeds;

    @Option(names = "--class", paramLabel = "CLASS", description = "Class id or name for --seeds (default 0).")
    String cls;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Images in the strip, ends included (default ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--out", paramLabel = "FILE.png", defaultValue = "interpolation.png", description = "Strip PNG (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--scale", paramLabel = "K", defaultValue = "1", description = "Enlarge each frame K times (nearest neighbour).")
    int scale;

    @Option(names = "--fit", paramLabel = "MODE", defaultValue = "auto",
            description = "Bringing inputs to the model size: auto (pad if smaller, else crop), crop (official ADM center crop), pad (centre on black), exact (must match). Default ${DEFAULT-VALUE}.")
    ImageInputs.Fit fit;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        boolean bySeed = seeds != null;
        if (bySeed == (images.size() == 2))
            throw new CliException(bySeed ? "give either two images or --seeds, not both" : "give two images, or --seeds A B");
        if (!bySeed && images.size() != 2) throw new CliException("interpolation needs exactly two images, got " + images.size());
        if (frames < 2) throw new CliException("--frames must be >= 2, got " + frames);
        if (!ImageOutput.isSingleFile(out)) throw new CliException("--out must be a .png file, got " + out);
        if (scale < 1 || scale > 64) throw new CliException("--scale must be in [1, 64], got " + scale);
        ImageOutput.check(out);
        try (var scope = compute.apply()) {
            SvgModel m = modelOptions.load();
            Tensor strip;
            String what;
            if (bySeed) {
                int id = cls == null ? 0 : ClassNames.resolve(cls, m.classes(), m.numClasses());
                SamplerOptions o = sampling.apply(m.sampling());
                try (Progress p = new Progress("interpolate", quiet)) {
                    strip = m.interpolate(id, seeds[0], seeds[1], frames, o, p);
                }
                what = "seeds " + seeds[0] + " -> " + seeds[1] + ", class " + m.className(id) + ", " + SamplingOptions.describe(o);
            } else {
                if (cls != null) throw new CliException("--class applies to --seeds interpolation only");
                Tensor x = ImageInputs.load(images, m.imageSize(), fit);
                // slerp in the standardised token space, where the latent is roughly unit Gaussian per channel
                Tensor tok = m.latentToTokens(m.encode(x));
                Tensor a = tok.narrow(0, 0, 1), b = tok.narrow(0, 1, 1);
                List<Tensor> frameLatents = new ArrayList<>();
                for (int f = 0; f < frames; f++) frameLatents.add(m.tokensToLatent(Latents.slerp(a, b, (double) f / (frames - 1))));
                strip = m.decode(Tensor.cat(0, frameLatents));
                what = images.get(0) + " -> " + images.get(1) + " (latent slerp)";
            }
            if (scale < 1 || scale > 64) throw new CliException("--scale must be in [1, 64], got " + scale);
            ImageIo.writePng(ImageGrid.strip(ImageGrid.upscale(strip, scale), ImageGrid.DEFAULT_PADDING, 0f), out);
            log.printf(Locale.ROOT, "wrote %s: %d frames, %s%n", out, frames, what);
            log.flush();
        }
        return 0;
    }
}
