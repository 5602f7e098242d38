package svg.nn.train;

import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;
import svg.tensor.io.SafetensorsFile;
import svg.tensor.io.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint as ONE safetensors file (svg.tensor.io): float32 tensors plus string metadata (step, RNG
 * state, config) in the header's {@code __metadata__}. {@link Safetensors#save} writes atomically (temporary file in
 * the same folder, fsync, rename), so a crash or kill -9 at any instant leaves either the old or the new
 * checkpoint, never a torn one.
 */
public record CheckpointFile(Map<String, Tensor> tensors, Map<String, String> metadata) {

    public void writeAtomically(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Safetensors.save(file, tensors, metadata);
    }

    public static CheckpointFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("checkpoint not found: " + file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors()) {
                tensors.put(t.name(), f.load(t.name())); // a copy: stays valid after close
            }
            return new CheckpointFile(tensors, new LinkedHashMap<>(f.metadata()));
        }
    }

    /** Tensors whose names start with {@code prefix}, with the prefix removed. */
    public Map<String, Tensor> group(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        return out;
    }
}
