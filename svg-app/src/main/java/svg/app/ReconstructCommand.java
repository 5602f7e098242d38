package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.nn.image.Resample;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code svg reconstruct IMAGE...}: encode and decode through the autoencoder, write the reconstructions and report
 * PSNR against the (preprocessed) input, computed on 8-bit values as image metrics usually are.
 */
@Command(name = "reconstruct", mixinStandardHelpOptions = true,
        description = "Encode images to SVG latents and decode them again; writes PNGs and prints PSNR.")
final class ReconstructCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ComputeOptions compute;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG or JPEG images.")
    List<Path> images;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "reconstructions",
            description = "Folder for <name>_recon.png (and <name>_pair.png: input | reconstruction). Default ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--fit", paramLabel = "MODE", defaultValue = "auto",
            description = "Bringing inputs to the model size: auto (pad if smaller, else crop), crop (official ADM center crop), pad (centre on black), exact (must match). Default ${DEFAULT-VALUE}.")
    ImageInputs.Fit fit;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        if (Files.exists(out) && !Files.isDirectory(out)) throw new CliException("--out " + out + " is not a folder");
        try (var scope = compute.apply()) {
            SvgModel m = modelOptions.load();
            Tensor x = ImageInputs.load(images, m.imageSize(), fit);
            // one batch: the residual channels are matched with statistics of the whole batch, as in the official code
            Tensor rec = m.reconstruct(x);
            int os = rec.size(2);
            Files.createDirectories(out);
            double sum = 0;
            for (int i = 0; i < images.size(); i++) {
                Tensor in = x.select(0, i);
                if (in.size(1) != os) in = Resample.resize(in, os, os, os < in.size(1) ? Resample.Filter.BOX : Resample.Filter.BICUBIC);
                Tensor r = rec.select(0, i);
                double psnr = psnr8(in, r);
                sum += psnr;
                String stem = ImageInputs.stem(images.get(i));
                Path f = out.resolve(stem + "_recon.png");
                ImageIo.writePng(r, f);
                ImageIo.writePng(ImageGrid.strip(Tensor.stack(0, List.of(clamp(in), r)), 2, 1f), out.resolve(stem + "_pair.png"));
                log.printf(Locale.ROOT, "%s -> %s  PSNR %.2f dB%n", images.get(i), f, psnr);
            }
            if (images.size() > 1) log.printf(Locale.ROOT, "mean PSNR %.2f dB over %d images%n", sum / images.size(), images.size());
            if (os != m.imageSize()) log.println("note: the decoder outputs " + os + " px for " + m.imageSize() + " px inputs; PSNR compares against the input resized to " + os + " px");
            log.flush();
        }
        return 0;
    }

    private static Tensor clamp(Tensor t) {
        float[] d = t.toArray();
        for (int i = 0; i < d.length; i++) d[i] = Math.max(0f, Math.min(1f, d[i]));
        return Tensor.of(d, t.shape());
    }

    /** PSNR in dB between two [3, H, W] images in [0, 1], after 8-bit quantisation; infinite when identical. */
    static double psnr8(Tensor a, Tensor b) {
        float[] x = a.toArray(), y = b.toArray();
        double se = 0;
        for (int i = 0; i < x.length; i++) {
            double d = ImageIo.quantise(x[i]) - ImageIo.quantise(y[i]);
            se += d * d;
        }
        double mse = se / x.length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
