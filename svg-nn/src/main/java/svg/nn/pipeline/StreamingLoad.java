package svg.nn.pipeline;

import svg.nn.module.LoadResult;
import svg.nn.module.Module;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.TensorFiles;
import svg.tensor.io.TensorInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Loads checkpoint files into a module one tensor at a time (safetensors, torch zip or legacy files alike): names and
 * shapes are checked from the files' headers/pickles before any tensor data is read, then each tensor is read,
 * copied into its parameter (rounded in when the model keeps bfloat16 weights) and dropped. Peak memory is the model
 * plus one tensor, not the model plus its checkpoints (SVG-XL's float32 DiT file alone is 2.7 GB).
 */
final class StreamingLoad {
    private StreamingLoad() {}

    /**
     * One file and how its names map to the module's keys: {@code rename} returns the module key, or null to skip
     * the tensor (e.g. training-only {@code loss.*} entries). A later source overrides an earlier one's keys.
     */
    record Source(Path file, String container, UnaryOperator<String> rename) {
        static Source of(Path file) { return new Source(file, null, UnaryOperator.identity()); }
    }

    /**
     * Loads {@code sources} into {@code mod}. Missing keys that {@code mayBeMissing} accepts are allowed; any other
     * missing, unexpected or mis-shaped key is an error naming them, thrown before anything is copied.
     */
    static void load(Module mod, List<Source> sources, Predicate<String> mayBeMissing, String what) throws IOException {
        Map<String, Tensor> own = mod.stateDict();
        Map<String, Source> from = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Source s : sources)
            for (TensorInfo t : TensorFiles.describe(s.file(), s.container())) {
                String key = s.rename().apply(t.name());
                if (key == null) continue;
                from.put(key, s);
                shapes.put(key, t.shape());
            }
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (var e : own.entrySet()) {
            int[] shape = shapes.get(e.getKey());
            if (shape == null) {
                if (!mayBeMissing.test(e.getKey())) missing.add(e.getKey());
            } else if (!Arrays.equals(shape, e.getValue().shape()))
                mismatched.add(e.getKey() + " (file " + Arrays.toString(shape) + ", model " + Arrays.toString(e.getValue().shape()) + ")");
        }
        for (String k : shapes.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        LoadResult r = new LoadResult(missing, unexpected, mismatched);
        if (!r.isClean()) throw new IllegalArgumentException(what + " does not match the configured " + mod.getClass().getSimpleName() + ": " + r);
        for (var e : own.entrySet()) {
            Tensor dst = e.getValue();
            if (from.containsKey(e.getKey()) && (!dst.isContiguous() || dst.offset() != 0 || dst.storage().length() != dst.numel()))
                throw new IllegalStateException("parameter " + e.getKey() + " is not a compact tensor");
        }
        try (var g = GradMode.noGrad()) {
            for (Source s : sources)
                TensorFiles.forEachTensor(s.file(), s.container(), (name, t) -> {
                    String key = s.rename().apply(name);
                    if (key == null || from.get(key) != s) return; // skipped, or overridden by a later source
                    own.get(key).copyFrom(t.offset() == 0 && t.numel() == t.storage().length() && t.isContiguous() ? t.data() : t.toArray());
                });
        }
    }
}
