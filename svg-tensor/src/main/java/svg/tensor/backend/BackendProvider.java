package svg.tensor.backend;

/**
 * Service interface ({@link java.util.ServiceLoader}) through which backends outside svg-tensor (TornadoVM) are
 * discovered. {@link #probe()} must never throw: it says whether the backend can run here and, if not, why.
 */
public interface BackendProvider {
    /** Name used by {@code --device} and {@code -Dsvg.backend}, e.g. "tornado". */
    String name();

    /** Higher wins when no backend is named; the CPU SIMD backend has rank 10, the reference backend 0. */
    int rank();

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
