package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.tensor.Tensor;
import svg.tensor.io.DType;
import svg.tensor.io.HalfFloats;
import svg.tensor.io.Safetensors;
import svg.tensor.io.SafetensorsFile;
import svg.tensor.io.TensorInfo;
import svg.tensor.io.TensorFiles;
import svg.tensor.io.UnsafePickleException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code svg convert IN OUT.safetensors}: a PyTorch checkpoint (or safetensors file) to safetensors, optionally
 * keeping only some key prefixes (e.g. {@code decoder.} of an autoencoder checkpoint), taking the state dict from
 * a container key ({@code ema}) and storing as F32, BF16 or F16. The output is written to a temporary file, read
 * back and compared with the tensors meant (bit for bit after rounding to the dtype), then renamed: a failed
 * conversion leaves no file, and a refused input (see docs/model-format.md) writes nothing.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a PyTorch checkpoint or safetensors file to safetensors (select keys, container, dtype).")
final class ConvertCommand implements java.util.concurrent.Callable<Integer> {
    enum StoreType { f32, bf16, f16 }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "A .safetensors file or torch.save checkpoint (.pt/.pth/.ckpt).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "The file to write.")
    Path out;

    @Option(names = "--keys", paramLabel = "PREFIX", arity = "1..*",
            description = "Keep only tensors whose names start with one of these prefixes.")
    List<String> keys = new ArrayList<>();

    @Option(names = "--strip-prefix", description = "Remove the matched --keys prefix from the names written.")
    boolean stripPrefix;

    @Option(names = "--container", paramLabel = "KEY",
            description = "PyTorch files: the key holding the state dict, e.g. ema (default: ema, model, state_dict, else top level).")
    String container;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "f32",
            description = "Stored element type: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    StoreType dtype;

    @Option(names = "--force", description = "Overwrite OUT if it exists.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        TensorFileKind.requireFile(in, "input");
        if (!out.getFileName().toString().endsWith(".safetensors"))
            throw new CliException("output must end in .safetensors, got " + out);
        if (Files.exists(out) && !force) throw new CliException(out + " exists (use --force to overwrite)");
        if (Files.exists(out) && Files.isSameFile(in, out)) throw new CliException("input and output are the same file");
        if (stripPrefix && keys.isEmpty()) throw new CliException("--strip-prefix needs --keys");
        if (container != null && !TensorFileKind.isTorch(in))
            throw new CliException("--container applies to PyTorch checkpoints; " + in + " is safetensors");

        LinkedHashMap<String, Tensor> all;
        try {
            all = TensorFiles.loadStateDict(in, container);
        } catch (UnsafePickleException e) {
            throw new CliException("refusing to load " + in + ": it names the Python global " + e.global() + "; nothing was executed", e);
        }
        LinkedHashMap<String, Tensor> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            String name = e.getKey();
            if (keys.isEmpty()) { kept.put(name, e.getValue()); continue; }
            for (String p : keys) {
                if (name.startsWith(p)) {
                    String n = stripPrefix ? name.substring(p.length()) : name;
                    if (n.isEmpty()) throw new CliException("stripping '" + p + "' from '" + name + "' leaves an empty name");
                    if (kept.put(n, e.getValue()) != null) throw new CliException("two tensors map to the name '" + n + "' after stripping prefixes");
                    break;
                }
            }
        }
        if (kept.isEmpty())
            throw new CliException("no tensor of " + in + " matches --keys " + keys + " (it has " + all.size() + " tensors, e.g. "
                    + all.keySet().stream().limit(5).toList() + ")");

        Map<String, int[]> shapes = new LinkedHashMap<>();
        long values = 0;
        for (var e : kept.entrySet()) { shapes.put(e.getKey(), e.getValue().shape()); values += e.getValue().numel(); }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("source", in.getFileName().toString());
        ModelFamily.Detection d = ModelFamily.detect(shapes);
        if (d.known()) meta.put("model", d.family());

        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        DType storeAs = switch (dtype) {
            case f32 -> DType.F32;
            case bf16 -> DType.BF16;
            case f16 -> DType.F16;
        };
        // Written beside OUT, re-read and compared, and only then renamed to OUT: a failure leaves nothing behind.
        Path tmp = Files.createTempFile(parent, "." + out.getFileName() + ".", ".tmp");
        try {
            Safetensors.save(tmp, kept, meta, storeAs);
            verify(tmp, kept, storeAs, out);
            try {
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        log.printf("wrote %s: %d tensors, %,d values as %s (%s)%n", out, kept.size(), values, dtype.name().toUpperCase(), d.family());
        log.flush();
        return 0;
    }

    /**
     * Re-reads {@code written} and compares it with what was meant to be stored: the same names in the same order,
     * the dtype, the shapes, and every value equal bit for bit to the source rounded to the dtype.
     */
    static void verify(Path written, Map<String, Tensor> tensors, DType storeAs, Path out) throws IOException {
        String fail = "verifying " + out + " failed: ";
        try (SafetensorsFile f = SafetensorsFile.open(written)) {
            List<String> names = f.tensors().stream().map(TensorInfo::name).toList();
            if (!names.equals(List.copyOf(tensors.keySet())))
                throw new IOException(fail + "it holds the tensors " + names + ", expected " + tensors.keySet());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                TensorInfo info = f.info(e.getKey());
                if (info.dtype() != storeAs || !Arrays.equals(info.shape(), e.getValue().shape()))
                    throw new IOException(fail + "tensor '" + e.getKey() + "' is " + info + ", expected " + storeAs + Arrays.toString(e.getValue().shape()));
                float[] want = e.getValue().toArray(), got = f.load(e.getKey()).toArray();
                for (int i = 0; i < want.length; i++) {
                    float w = switch (storeAs) {
                        case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(want[i]));
                        case F16 -> HalfFloats.f16ToFloat(HalfFloats.floatToF16(want[i]));
                        default -> want[i];
                    };
                    if (Float.floatToIntBits(w) != Float.floatToIntBits(got[i]))
                        throw new IOException(fail + "tensor '" + e.getKey() + "' element " + i + " reads back as " + got[i] + ", expected " + w);
                }
            }
        }
    }
}
