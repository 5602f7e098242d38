package svg.tensor.backend;

import svg.tensor.reference.ReferenceBackend;
import svg.tensor.simd.SimdBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Chooses the backend that {@link svg.tensor.Tensor} ops run on. Default: the CPU SIMD backend; the system property
 * {@code svg.backend} (reference | cpu | a provider's name, optionally "name:option") overrides it, and
 * {@link #use(Backend)} swaps it at run time (tests, {@code --device}).
 */
public final class Backends {
    private static volatile Backend current;

    private Backends() {}

    public static Backend current() {
        Backend b = current;
        if (b == null) {
            synchronized (Backends.class) {
                if (current == null) current = byName(System.getProperty("svg.backend", "cpu"));
                b = current;
            }
        }
        return b;
    }

    /** Makes {@code b} the backend for all later ops; returns the previous one. */
    public static synchronized Backend use(Backend b) {
        Backend prev = current();
        current = b;
        return prev;
    }

    /** The backend named "reference", "cpu" or a provider name ("tornado", "tornado:1"). */
    public static Backend byName(String spec) {
        String name = spec, option = null;
        int c = spec.indexOf(':');
        if (c >= 0) { name = spec.substring(0, c); option = spec.substring(c + 1); }
        switch (name) {
            case "reference": return new ReferenceBackend();
            case "cpu": return new SimdBackend();
            default:
        }
        for (BackendProvider p : providers()) {
            if (p.name().equals(name)) {
                String why = p.probe();
                if (why != null) throw new IllegalStateException("backend '" + name + "' is not usable: " + why);
                return p.create(option);
            }
        }
        throw new IllegalArgumentException("unknown backend '" + spec + "'; available: reference, cpu"
                + providers().stream().map(p -> ", " + p.name()).reduce("", String::concat));
    }

    /** Backends found on the class path through {@link ServiceLoader}. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> r = new ArrayList<>();
        try {
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) r.add(p);
        } catch (Throwable t) {
            // a broken provider must not take the CPU path down with it
        }
        return r;
    }
}
