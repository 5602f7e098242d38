package svg.nn.module;

import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Key surgery for checkpoints whose layout differs from a module's: a sub-model's entries ({@code encoder.*} of an
 * SVG autoencoder checkpoint), a wrapper prefix to drop ({@code module.} from DDP), training-only entries to ignore
 * ({@code loss.*} in a Lightning checkpoint). Tensors are shared, not copied.
 */
public final class StateDicts {
    private StateDicts() {}

    /** Entries under {@code prefix} (e.g. "encoder."), with the prefix removed. */
    public static Map<String, Tensor> subtree(Map<String, Tensor> sd, String prefix) {
        Map<String, Tensor> r = new LinkedHashMap<>();
        sd.forEach((k, v) -> { if (k.startsWith(prefix)) r.put(k.substring(prefix.length()), v); });
        return r;
    }

    /** All entries with {@code prefix} prepended to their keys. */
    public static Map<String, Tensor> withPrefix(Map<String, Tensor> sd, String prefix) {
        Map<String, Tensor> r = new LinkedHashMap<>();
        sd.forEach((k, v) -> r.put(prefix + k, v));
        return r;
    }

    /** Entries whose keys do not start with any of {@code prefixes}. */
    public static Map<String, Tensor> without(Map<String, Tensor> sd, String... prefixes) {
        Map<String, Tensor> r = new LinkedHashMap<>();
        outer:
        for (var e : sd.entrySet()) {
            for (String p : prefixes) if (e.getKey().startsWith(p)) continue outer;
            r.put(e.getKey(), e.getValue());
        }
        return r;
    }

    /** Removes {@code prefix} from every key that has it (e.g. "module." of DistributedDataParallel). */
    public static Map<String, Tensor> stripPrefix(Map<String, Tensor> sd, String prefix) {
        Map<String, Tensor> r = new LinkedHashMap<>();
        sd.forEach((k, v) -> r.put(k.startsWith(prefix) ? k.substring(prefix.length()) : k, v));
        return r;
    }
}
