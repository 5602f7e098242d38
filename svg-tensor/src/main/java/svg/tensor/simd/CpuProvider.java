package svg.tensor.simd;

import svg.tensor.backend.Backend;
import svg.tensor.backend.BackendProvider;

/**
 * Registers the "cpu" backend ({@link SimdBackend}) like any other provider (svg-tensor's
 * {@code META-INF/services}). Rank 10: the default wherever the Vector API is there.
 */
public final class CpuProvider implements BackendProvider {
    /** The Vector API module: without it (no {@code --add-modules jdk.incubator.vector}) no kernel here loads. */
    private static final String VECTOR_CLASS = "jdk.incubator.vector.FloatVector";

    @Override
    public String name() { return "cpu"; }

    @Override
    public int rank() { return 10; }

    @Override
    public String description() { return "built in: Vector API kernels, multi-threaded"; }

    @Override
    public String probe() {
        try {
            Class.forName(VECTOR_CLASS, false, CpuProvider.class.getClassLoader());
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "the Vector API is missing: start Java with --add-modules jdk.incubator.vector";
        }
    }

    @Override
    public Backend create(String option) {
        if (option != null) throw new IllegalArgumentException("the cpu backend takes no option, got 'cpu:" + option + "'");
        return new SimdBackend();
    }
}
