package svg.tensor.backend;

/**
 * Service interface ({@link java.util.ServiceLoader}) through which every backend is discovered: svg-tensor's own
 * "cpu" and "reference" (its {@code META-INF/services}) and those of other modules (svg-tornado). {@link #probe()}
 * must never throw: it says whether the backend can run here and, if not, why. See {@link Backends}.
 */
public interface BackendProvider {
    /** Name used by {@code --device} and {@code -Dsvg.backend}, e.g. "tornado". */
    String name();

    /**
     * Chooses the default backend: when none is named, the usable provider of highest rank is used
     * ({@link Backends#defaultName()}). The CPU SIMD backend has rank 10, the reference backend 0; a provider that
     * should run only when asked for by name ranks below 10.
     */
    int rank();

    /** One line for {@code svg devices} and {@code svg info}: what this backend is. */
    default String description() { return "provider " + getClass().getName(); }

    /** Null when usable, otherwise a human-readable reason and how to fix it. */
    String probe();

    /**
     * The devices this backend can run on, one line each as the user selects them (e.g. "0.1: NVIDIA H100" for
     * {@code --device tornado:0.1}); empty when there is nothing to choose or the backend is not usable. Must not throw.
     */
    default java.util.List<String> devices() { return java.util.List.of(); }

    /**
     * Things the user may want to know about this machine, one sentence each (e.g. a GPU driver that the backend
     * cannot see and how to register it); shown by {@code svg devices}. Must not throw.
     */
    default java.util.List<String> notes() { return java.util.List.of(); }

    /** Creates the backend; {@code option} is the part after ':' in "tornado:1" (null when absent). */
    Backend create(String option);
}
