package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;
import svg.tensor.io.Json;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code svg encode IMAGES --out latents.safetensors}: SVG latents [N, C, h, w] of images, for decode or analysis. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode images to SVG latents (DINOv3 features + residual channels) in a safetensors file.")
final class EncodeCommand implements java.util.concurrent.Callable<Integer> {
    /** Tensor name of the latents in the file written (and read by decode). */
    static final String LATENTS = "latents";

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ComputeOptions compute;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG or JPEG images (encoded as one batch).")
    List<Path> images;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Output .safetensors file.")
    Path out;

    @Option(names = "--fit", paramLabel = "MODE", defaultValue = "auto",
            description = "Bringing inputs to the model size: auto (pad if smaller, else crop), crop (official ADM center crop), pad (centre on black), exact (must match). Default ${DEFAULT-VALUE}.")
    ImageInputs.Fit fit;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        if (!out.getFileName().toString().endsWith(".safetensors")) throw new CliException("--out must end in .safetensors, got " + out);
        if (Files.isDirectory(out)) throw new CliException("--out " + out + " is a folder");
        try (var scope = compute.apply()) {
            SvgModel m = modelOptions.load();
            Tensor x = ImageInputs.load(images, m.imageSize(), fit);
            Tensor z = m.encode(x);
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put(LATENTS, z);
            List<Object> names = new ArrayList<>();
            for (Path p : images) names.add(p.getFileName().toString());
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("producer", "svg encode");
            meta.put("images", Json.writeCompact(names));
            meta.put("image_size", Integer.toString(m.imageSize()));
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Safetensors.save(out, t, meta);
            log.println("wrote " + out + ": latents " + Arrays.toString(z.shape()) + " of " + images.size() + " image(s)");
            log.flush();
        }
        return 0;
    }
}
