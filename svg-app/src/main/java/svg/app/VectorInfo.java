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

    /** Touches jdk.incubator.vector classes only when this nested class is initialised. */
    private static final class Species {
        static String text() {
            var f = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
            return f.vectorBitSize() + "-bit, " + f.length() + " floats per vector (" + f + ")";
        }
    }
}
