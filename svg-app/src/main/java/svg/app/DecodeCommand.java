package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;
import svg.tensor.io.TensorFiles;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code svg decode LATENTS.safetensors}: images from latents written by {@code svg encode} (or any [N, C, h, w]). */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode SVG latents [N, C, h, w] (a safetensors file from `svg encode`) to images.")
final class DecodeCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ComputeOptions compute;

    @Parameters(index = "0", paramLabel = "LATENTS", description = "A .safetensors file with a 'latents' tensor (or a single tensor).")
    Path latents;

    @Option(names = "--key", paramLabel = "NAME", description = "Tensor to decode (default: 'latents', or the only tensor).")
    String key;

    @Option(names = "--scale", paramLabel = "K", defaultValue = "1", description = "Enlarge each image K times (nearest neighbour) in the output; for looking at small images.")
    int scale;

    @Option(names = "--out", paramLabel = "PATH", defaultValue = "decoded.png",
            description = "A .png path: one grid image; any other path: a folder with one PNG per image. Default ${DEFAULT-VALUE}.")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        TensorFileKind.requireFile(latents, "latents file");
        if (scale < 1 || scale > 64) throw new CliException("--scale must be in [1, 64], got " + scale);
        ImageOutput.check(out);
        try (var scope = compute.apply()) {
            Map<String, Tensor> all = TensorFiles.loadStateDict(latents, null);
            String k = key != null ? key : all.containsKey(EncodeCommand.LATENTS) ? EncodeCommand.LATENTS : all.size() == 1 ? all.keySet().iterator().next() : null;
            if (k == null) throw new CliException(latents + " has no 'latents' tensor; choose one with --key from " + all.keySet());
            Tensor z = all.get(k);
            if (z == null) throw new CliException(latents + " has no tensor '" + k + "'; it has " + all.keySet());
            SvgModel m = modelOptions.load();
            int[] s = ImageInputs.checkLatentShape(z, m.latentChannels(), "'" + k + "' in " + latents);
            if (s[2] != m.gridSize() || s[3] != m.gridSize())
                log.println("note: latents are " + s[2] + "x" + s[3] + ", the model was trained on " + m.gridSize() + "x" + m.gridSize());
            Tensor images = m.decode(z);
            List<Path> files = ImageOutput.write(images, out, "decoded", 0, scale);
            log.println("wrote " + (files.size() == 1 ? files.get(0) : out + "/ (" + files.size() + " files)") + ": "
                    + images.size(0) + " image(s), " + images.size(3) + "x" + images.size(2) + " px");
            log.flush();
        }
        return 0;
    }
}
