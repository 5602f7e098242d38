package svg.tensor.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Chooses the backend that {@link svg.tensor.Tensor} ops run on. Every backend, the built-in "cpu" and "reference"
 * included, is a {@link BackendProvider} found through {@link ServiceLoader}; this class names none of them.
 *
 * <ul>
 *   <li>Default: the usable provider (its {@code probe()} passes) with the highest {@link BackendProvider#rank()}:
 *       "cpu" (10) on any JDK with the Vector API module.</li>
 *   <li>The system property {@code svg.backend} (a provider's name, optionally "name:option") overrides it, and
 *       {@link #use(Backend)} swaps it at run time (tests, {@code --device}).</li>
 *   <li>Fallback: ops the current backend does not support run on the "cpu" backend ({@link #fallback()}); the
 *       {@link Scheduler} that {@link #dispatch()} returns decides, op by op.</li>
 * </ul>
 */
public final class Backends {
    /** The backend that runs what the chosen one does not support: it must support every op. */
    static final String FALLBACK = "cpu";

    private static volatile Backend current;
    private static volatile Scheduler dispatch;
    private static volatile Backend fallback;
    private static volatile List<BackendProvider> providers;

    private Backends() {}

    /** The backend ops run on (as chosen: {@code svg.backend}, {@link #use} or the default by rank). */
    public static Backend current() {
        Backend b = current;
        if (b == null) {
            synchronized (Backends.class) {
                if (current == null) {
                    String spec = System.getProperty("svg.backend");
                    setCurrent(spec == null || spec.isBlank() ? byName(defaultName()) : byName(spec.trim()));
                }
                b = current;
            }
        }
        return b;
    }

    /**
     * What {@link svg.tensor.Tensor} calls: {@link #current()} behind a {@link Scheduler}, which sends each op the
     * current backend does not support to {@link #fallback()}.
     */
    public static Backend dispatch() {
        Scheduler s = dispatch;
        if (s == null) {
            current();
            s = dispatch;
        }
        return s;
    }

    /** Makes {@code b} the backend for all later ops; returns the previous one. */
    public static synchronized Backend use(Backend b) {
        if (b == null) throw new IllegalArgumentException("backend is null");
        Backend prev = current();
        setCurrent(b);
        return prev;
    }

    private static synchronized void setCurrent(Backend b) {
        dispatch = new Scheduler(b, Backends::fallback);
        current = b;
    }

    /** The backend that runs the ops the current one does not support: one "cpu" backend for the whole JVM. */
    public static Backend fallback() {
        Backend f = fallback;
        if (f == null) {
            synchronized (Backends.class) {
                if (fallback == null) fallback = byName(FALLBACK);
                f = fallback;
            }
        }
        return f;
    }

    /** The default backend's name: the usable provider of highest rank (ties: the first found). */
    public static String defaultName() {
        List<String> unusable = new ArrayList<>();
        for (BackendProvider p : providers()) {
            String why = probe(p);
            if (why == null) return p.name();
            unusable.add(p.name() + ": " + why);
        }
        throw new IllegalStateException("no usable backend" + (unusable.isEmpty()
                ? " (no BackendProvider on the class path; svg-tensor's META-INF/services registers cpu and reference)"
                : ": " + String.join("; ", unusable)));
    }

    /** The backend of the provider named in {@code spec}: "cpu", "reference", "tornado", "tornado:1" (option "1"). */
    public static Backend byName(String spec) {
        String name = spec, option = null;
        int c = spec.indexOf(':');
        if (c >= 0) { name = spec.substring(0, c); option = spec.substring(c + 1); }
        for (BackendProvider p : providers()) {
            if (p.name().equals(name)) {
                String why = probe(p);
                if (why != null) throw new IllegalStateException("backend '" + name + "' is not usable: " + why);
                return p.create(option);
            }
        }
        throw new IllegalArgumentException("unknown backend '" + spec + "'; available: "
                + String.join(", ", providers().stream().map(BackendProvider::name).toList()));
    }

    /**
     * Every backend provider on the class path (through {@link ServiceLoader}; found once), highest rank first. A
     * provider that fails to load is left out: it must not take the others down with it.
     */
    public static List<BackendProvider> providers() {
        List<BackendProvider> r = providers;
        if (r == null) {
            synchronized (Backends.class) {
                if (providers == null) providers = load();
                r = providers;
            }
        }
        return r;
    }

    private static List<BackendProvider> load() {
        List<BackendProvider> r = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class).iterator();
        // after an error the iterator goes on to the next provider; the bound only guards against one that never ends
        for (int tries = 0; tries < 1000; tries++) {
            try {
                if (!it.hasNext()) break;
                r.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // a broken provider (missing class, failing constructor): skip it
            }
        }
        r.sort(Comparator.comparingInt(BackendProvider::rank).reversed());
        return List.copyOf(r);
    }

    /** The provider's {@code probe()}, with a probe that throws (it must not) reported as unusable. */
    private static String probe(BackendProvider p) {
        try {
            return p.probe();
        } catch (RuntimeException | LinkageError e) {
            return "probe failed: " + e;
        }
    }
}
