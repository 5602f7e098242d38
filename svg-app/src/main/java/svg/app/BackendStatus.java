package svg.app;

import svg.tensor.backend.BackendProvider;
import svg.tensor.backend.Backends;

import java.util.ArrayList;
import java.util.List;

/** The backends this JVM can see (every provider, highest rank first), each with whether it can run here and why not. */
record BackendStatus(String name, String kind, int rank, String problem) {
    static final String TORNADO = "tornado";

    boolean usable() { return problem == null; }

    static List<BackendStatus> all() {
        List<BackendStatus> r = new ArrayList<>();
        String defaultName;
        try {
            defaultName = Backends.defaultName();
        } catch (RuntimeException e) {
            defaultName = null;
        }
        boolean tornadoSeen = false;
        for (BackendProvider p : Backends.providers()) {
            String why;
            try {
                why = p.probe();
            } catch (RuntimeException | LinkageError e) {
                why = "probe failed: " + e;
            }
            tornadoSeen |= p.name().equals(TORNADO);
            String kind = p.description() + (p.name().equals(defaultName) ? " (default)" : "");
            r.add(new BackendStatus(p.name(), kind, p.rank(), why));
        }
        if (!tornadoSeen) r.add(new BackendStatus(TORNADO, "GPU through TornadoVM", -1, tornadoAbsentReason()));
        return r;
    }

    /** Why no TornadoVM provider was found on the class path. */
    static String tornadoAbsentReason() {
        String home = System.getenv("TORNADOVM_HOME");
        if (home == null || home.isBlank())
            return "svg-tornado is not on the class path and TORNADOVM_HOME is not set "
                    + "(install a TornadoVM SDK for JDK 25 and set TORNADOVM_HOME: ./svg then builds svg-tornado and starts Java with TornadoVM's flags; docs/tornado.md)";
        if (!java.nio.file.Files.isRegularFile(java.nio.file.Path.of(home, "tornado-argfile")))
            return "TORNADOVM_HOME=" + home + " has no tornado-argfile (see docs/tornado.md to create it)";
        return "TORNADOVM_HOME=" + home + " is set but svg-tornado is not on the class path "
                + "(start through ./svg, or add svg-tornado/target/svg-tornado-*.jar and @$TORNADOVM_HOME/tornado-argfile yourself; docs/tornado.md)";
    }
}
