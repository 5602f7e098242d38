package svg.tensor.io;

import svg.tensor.Tensor;
import svg.tensor.io.RestrictedUnpickler.LazyTensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch checkpoints (.pt/.pth/.ckpt): the zip format of torch.save since 1.6 (torch 1.x and 2.x layouts, read with
 * java.util.zip) and the older non-zip format, both through a {@link RestrictedUnpickler}: only the globals needed to
 * rebuild tensors are accepted, anything else raises {@link UnsafePickleException}, nothing is executed.
 * Every tensor is converted to a contiguous float32 {@link Tensor}.
 */
public final class TorchCheckpoint {
    private static final List<String> AUTO_CONTAINERS = List.of("ema", "model", "state_dict");

    private TorchCheckpoint() {}

    /** The whole pickled object: Map (LinkedHashMap), List, Tensor, String, Long, Double, Boolean, null... */
    public static Object load(Path p) throws IOException {
        try (TorchSource a = TorchSource.open(p)) {
            return a.materializeAll(a.unpickle());
        }
    }

    /**
     * The state dict: when {@code container != null} take that key; else auto: "ema", then "model", then
     * "state_dict", else the top-level map itself. Non-tensor entries are skipped.
     */
    public static LinkedHashMap<String, Tensor> stateDict(Path p, String container) throws IOException {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        forEachTensor(p, container, out::put);
        return out;
    }

    /**
     * The state dict's tensors one at a time, in file order, each a new float32 tensor handed to {@code each} and not
     * kept: peak memory is one tensor, not the checkpoint (container as in {@link #stateDict}).
     */
    public static void forEachTensor(Path p, String container, TensorFiles.TensorConsumer each) throws IOException {
        try (TorchSource a = TorchSource.open(p)) {
            Map<?, ?> sd = select(p, a.unpickle(), container);
            LinkedHashMap<String, LazyTensor> lazy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : sd.entrySet())
                if (e.getValue() instanceof LazyTensor t) lazy.put(String.valueOf(e.getKey()), t);
            a.plan(lazy.values());
            for (var e : lazy.entrySet()) each.accept(e.getKey(), a.materialize(e.getValue()));
        }
    }

    /** Names, dtypes and shapes of the state dict's tensors, read from the pickle only (no tensor data). */
    public static List<TensorInfo> describe(Path p, String container) throws IOException {
        try (TorchSource a = TorchSource.open(p)) {
            Map<?, ?> sd = select(p, a.unpickle(), container);
            List<TensorInfo> out = new ArrayList<>();
            for (Map.Entry<?, ?> e : sd.entrySet())
                if (e.getValue() instanceof LazyTensor t) out.add(new TensorInfo(String.valueOf(e.getKey()), t.storage().dtype(), t.size()));
            return out;
        }
    }

    private static Map<?, ?> select(Path p, Object top, String container) throws IOException {
        if (!(top instanceof Map<?, ?> m))
            throw new IOException("torch checkpoint " + p + " holds a " + kind(top) + ", not a dict of tensors");
        if (container != null) {
            if (!m.containsKey(container))
                throw new IOException("torch checkpoint " + p + " has no key '" + container + "' (top-level keys: " + m.keySet() + ")");
            if (!(m.get(container) instanceof Map<?, ?> sd))
                throw new IOException("torch checkpoint " + p + ": '" + container + "' is a " + kind(m.get(container)) + ", not a state dict");
            return sd;
        }
        for (String k : AUTO_CONTAINERS)
            if (m.get(k) instanceof Map<?, ?> sd) return sd;
        return m;
    }

    private static String kind(Object o) {
        if (o == null) return "None";
        if (o instanceof LazyTensor) return "tensor";
        if (o instanceof List<?>) return "list/tuple";
        return o.getClass().getSimpleName();
    }
}
