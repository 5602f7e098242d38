package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.tensor.io.DType;
import svg.tensor.io.SafetensorsFile;
import svg.tensor.io.TensorInfo;
import svg.tensor.io.TorchCheckpoint;
import svg.tensor.io.UnsafePickleException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code svg inspect FILE}: what a checkpoint holds (tensors, shapes, dtypes, parameter count) and which model it
 * is, read from headers only (no tensor data is loaded). PyTorch pickles go through the restricted unpickler: a
 * file that names any other Python global is refused, with the global named, and nothing is executed.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show the tensors of a .safetensors or PyTorch (.pt/.pth/.ckpt) file and the model family and config their names imply.")
final class InspectCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A .safetensors file or a torch.save zip checkpoint.")
    Path file;

    @Option(names = "--container", paramLabel = "KEY",
            description = "For PyTorch files: the key holding the state dict (default: ema, then model, then state_dict, else the top level).")
    String container;

    @Option(names = "--summary", description = "Only the summary and the detected model, not every tensor.")
    boolean summary;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        TensorFileKind.requireFile(file, "file");
        boolean torch = TensorFileKind.isTorch(file);
        List<TensorInfo> tensors;
        Map<String, String> metadata = Map.of();
        try {
            if (torch) {
                tensors = TorchCheckpoint.describe(file, container);
            } else {
                if (container != null) throw new CliException("--container applies to PyTorch checkpoints; " + file + " is safetensors");
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    tensors = f.tensors();
                    metadata = f.metadata();
                }
            }
        } catch (UnsafePickleException e) {
            throw new CliException("refusing to load " + file + ": it names the Python global " + e.global()
                    + ", which a checkpoint has no reason to contain (possibly malicious); nothing was executed", e);
        }

        out.println("File:     " + file);
        out.println("Format:   " + TensorFileKind.describe(file));
        metadata.forEach((k, v) -> out.println("Metadata: " + k + " = " + (v.length() > 300 ? v.substring(0, 300) + "..." : v)));
        long params = 0;
        Map<DType, Integer> byType = new EnumMap<>(DType.class);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            params += t.numel();
            byType.merge(t.dtype(), 1, Integer::sum);
            shapes.put(t.name(), t.shape());
        }
        out.printf("Tensors:  %d (%s), %,d values%n", tensors.size(), byType.isEmpty() ? "none" : byType.toString().replaceAll("[{}]", ""), params);

        ModelFamily.Detection d = ModelFamily.detect(shapes);
        out.println("Model:    " + d.family());
        printConfig(out, d.config(), "  ");
        for (String n : d.notes()) out.println("  note: " + n);

        if (!summary && !tensors.isEmpty()) {
            int w = tensors.stream().mapToInt(t -> t.name().length()).max().orElse(10);
            out.println();
            for (TensorInfo t : tensors) out.printf("%-" + w + "s  %-5s %s%n", t.name(), t.dtype(), Arrays.toString(t.shape()));
        }
        out.flush();
        return 0;
    }

    private static void printConfig(PrintWriter out, Map<String, Object> cfg, String indent) {
        for (var e : cfg.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> sub) {
                out.println(indent + e.getKey() + ":");
                @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) sub;
                printConfig(out, m, indent + "  ");
            } else {
                out.println(indent + e.getKey() + ": " + e.getValue());
            }
        }
    }
}
