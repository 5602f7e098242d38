package svg.tensor.conformance;

import svg.tensor.Tensor;
import svg.tensor.backend.Backend;

import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One catalog entry: a Backend call on fixed inputs and its float64 expectation.
 *
 * <p>{@code name} is the filter and the reproducer: the inputs are drawn from an Rng seeded by the name, so the same
 * name always builds the same case ({@code -Dsvg.op=<part of the name>} runs only matching cases).
 *
 * @param name     printed name, e.g. {@code matmul(ba=3,bb=1,m=17,k=33,n=5,tA=1,tB=0)}
 * @param op       the Backend method this case covers (the coverage test checks every method has one)
 * @param variant  the enum value covered (UnaryOp/BinaryOp/ReduceOp name) or "" when the method has none
 * @param rtol     tolerance on the relative error, see {@link Compare}
 * @param minScale the smallest magnitude errors are measured against, see {@link Compare}
 * @param run      calls the backend on the case's inputs
 * @param expected the oracle's result and shape (evaluated once, lazily)
 */
public record OpCase(String name, String op, String variant, double rtol, double minScale,
                     Function<Backend, Tensor> run, Supplier<Expected> expected) {

    /** Oracle values and result shape. */
    public record Expected(double[] values, int[] shape) {}

    public OpCase {
        expected = memoize(expected);
    }

    /**
     * Runs the case on {@code backend} twice and throws an AssertionError naming the case when the result does not
     * conform or the second run differs from the first.
     */
    public void check(Backend backend) { check(backend, 1); }

    /**
     * As {@link #check(Backend)} with the tolerance multiplied by {@code toleranceScale} (>= 1; for device backends
     * whose math library is documented to be less accurate; exact cases such as copies stay exact).
     */
    public void check(Backend backend, double toleranceScale) {
        if (toleranceScale < 1) throw new IllegalArgumentException("toleranceScale must be >= 1");
        Expected e = expected.get();
        Tensor out = run.apply(backend);
        if (out == null) throw new AssertionError(name + " on " + backend.name() + ": backend returned null");
        if (!Arrays.equals(out.shape(), e.shape()))
            throw new AssertionError(name + " on " + backend.name() + ": shape " + Arrays.toString(out.shape())
                    + ", expected " + Arrays.toString(e.shape()));
        double[] got = Oracle.read(out);
        String why = Compare.check(got, e.values(), rtol * toleranceScale, minScale);
        if (why != null) throw new AssertionError(name + " on " + backend.name() + ": " + why);
        // a second call must give the same bits: catches kernels that write into their inputs and state (caches,
        // recorded graphs) that leaks from one call into the next
        double[] again = Oracle.read(run.apply(backend));
        for (int i = 0; i < got.length; i++)
            if (Double.doubleToLongBits(got[i]) != Double.doubleToLongBits(again[i]))
                throw new AssertionError(name + " on " + backend.name() + ": a second identical call differs at element "
                        + i + " (" + (float) got[i] + " then " + (float) again[i] + "): input mutated or state kept between calls");
    }

    @Override
    public String toString() { return name; }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) value = s.get();
                return value;
            }
        };
    }
}
