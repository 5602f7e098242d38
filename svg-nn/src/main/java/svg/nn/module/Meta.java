package svg.nn.module;

import svg.tensor.Tensor;

/**
 * Shape-only construction: inside {@code try (var m = Meta.scope()) { new DiT(DiTConfig.XL) }} new parameters are
 * stride-0 views of a single value, so a 675M-parameter model can be built to count parameters without allocating
 * gigabytes. Such tensors cannot be loaded into, initialised or trained.
 */
public final class Meta {
    private static final ThreadLocal<Boolean> ON = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Meta() {}

    /** A scope in which new parameters are shape-only. */
    public static Scope scope() {
        boolean prev = ON.get();
        ON.set(true);
        return () -> ON.set(prev);
    }

    public static boolean enabled() { return ON.get(); }

    /** A zero tensor of this shape: allocated, or a stride-0 view inside a meta scope. */
    public static Tensor newTensor(int... shape) {
        if (!ON.get()) return Tensor.zeros(shape);
        int[] ones = new int[shape.length];
        java.util.Arrays.fill(ones, 1);
        return Tensor.zeros(ones).expand(shape);
    }

    /** True for a shape-only tensor (its buffer holds fewer values than its shape). */
    public static boolean isMeta(Tensor t) { return t.storage().length() < t.numel(); }

    public interface Scope extends AutoCloseable { @Override void close(); }
}
