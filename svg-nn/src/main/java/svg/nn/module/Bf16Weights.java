package svg.nn.module;

import svg.tensor.Tensor;

/**
 * bfloat16 storage for the weight matrices of {@code Linear} and {@code Conv2d} layers (over 99% of every SVG
 * network's parameters): half the memory of float32, arithmetic still in float32 (the weights are widened exactly
 * inside the kernels). For inference: such weights are frozen.
 *
 * <p>Two ways in. {@link #scope()}: models built inside it allocate those weights as bfloat16 from the start, so
 * loading a checkpoint never holds a float32 copy of the model (its values are rounded to nearest even as they are
 * copied in, as torch's {@code .bfloat16()} does). {@link #convert(Module)}: switch an already built model in place.
 */
public final class Bf16Weights {
    private static final ThreadLocal<Boolean> ON = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Bf16Weights() {}

    /** A scope in which new Linear and Conv2d weights are bfloat16 tensors. */
    public static Meta.Scope scope() {
        boolean prev = ON.get();
        ON.set(true);
        return () -> ON.set(prev);
    }

    public static boolean enabled() { return ON.get(); }

    /**
     * Stores every Linear and Conv2d weight of {@code m} (and its children) as bfloat16, in place; returns how many
     * parameters were converted.
     */
    public static long convert(Module m) {
        long n = 0;
        for (Module sub : m.modules())
            for (Tensor w : sub.matrixWeights())
                if (!w.isBf16() && !Meta.isMeta(w)) {
                    w.storeAsBf16();
                    n += w.numel();
                }
        return n;
    }

    /** Bytes held by the parameters and buffers of {@code m}: 4 per float32 value, 2 per bfloat16 value. */
    public static long bytes(Module m) {
        long b = 0;
        for (Tensor t : m.stateDict().values()) b += (long) t.numel() * (t.isBf16() ? 2 : 4);
        return b;
    }
}
