package svg.app;

/**
 * What the Vector API offers on this machine. Kept in its own class so that a JVM started without
 * {@code --add-modules jdk.incubator.vector} fails only here, where {@link #describe()} catches it.
 */
final class VectorInfo {
    private VectorInfo() {}

    static String describe() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty())
            return "not available (start the JVM with --add-modules jdk.incubator.vector; ./svg does)";
        try {
            return Species.text();
        } catch (LinkageError e) {
            return "not available: " + e;
        }
    }

    /** Loads the SIMD backend (the one package that uses jdk.incubator.vector) only when initialised. */
    private static final class Species {
        static String text() { return svg.tensor.simd.SimdBackend.describe(); }
    }
}
