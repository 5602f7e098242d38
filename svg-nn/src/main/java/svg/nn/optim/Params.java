package svg.nn.optim;

import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers for named parameter maps (state_dict order): the currency of optimisers, EMA and checkpoints. */
public final class Params {
    private Params() {}

    /** Checks that every parameter owns a compact buffer, so in-place updates touch exactly its values. */
    public static void requireCompact(Map<String, Tensor> params) {
        for (var e : params.entrySet()) {
            Tensor t = e.getValue();
            if (!t.isContiguous() || t.offset() != 0 || t.storage().length() != t.numel())
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' is a view, not a compact tensor; optimisers update buffers in place");
        }
    }

    /** The contiguous values of a gradient (no copy when already compact). */
    static float[] gradValues(String name, Tensor p) {
        Tensor g = p.grad();
        if (g == null) return null;
        if (g.numel() != p.numel()) throw new IllegalStateException("gradient of '" + name + "' has " + g.numel() + " values, parameter " + p.numel());
        if (g.isContiguous() && g.offset() == 0 && g.data().length == g.numel()) return g.data();
        return g.toArray();
    }

    /** Deep copies (new buffers) in the same order. */
    public static Map<String, Tensor> copy(Map<String, Tensor> params) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : params.entrySet()) out.put(e.getKey(), Tensor.of(e.getValue().toArray(), e.getValue().shape()));
        return out;
    }

    /** Copies values of {@code src} into the buffers of {@code dst} (same names and sizes). */
    public static void assign(Map<String, Tensor> dst, Map<String, Tensor> src) {
        for (var e : dst.entrySet()) {
            Tensor s = src.get(e.getKey());
            if (s == null) throw new IllegalArgumentException("missing tensor '" + e.getKey() + "'");
            Tensor d = e.getValue();
            if (!java.util.Arrays.equals(d.shape(), s.shape()))
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + java.util.Arrays.toString(s.shape()) + ", expected " + java.util.Arrays.toString(d.shape()));
            float[] v = s.toArray();
            if (!d.isContiguous() || d.offset() != 0 || d.storage().length() != d.numel())
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is not compact; cannot assign in place");
            d.copyFrom(v);
        }
    }

    /** Clears all gradients. */
    public static void zeroGrad(Map<String, Tensor> params) {
        for (Tensor t : params.values()) t.zeroGrad();
    }

    public static long count(Map<String, Tensor> params) {
        long n = 0;
        for (Tensor t : params.values()) n += t.numel();
        return n;
    }
}
