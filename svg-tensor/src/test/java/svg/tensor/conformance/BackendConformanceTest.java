package svg.tensor.conformance;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.backend.Scheduler;

import java.util.List;
import java.util.stream.Stream;

/**
 * Runs the whole {@link OpCatalog} on one backend. A backend's test module subclasses this and returns its backend
 * (svg-tornado does so through svg-tensor's test-jar).
 *
 * <p>Each case runs as Tensor ops run it: through a {@link Scheduler}, so an op the backend does not support (its
 * {@link Backend#supports}) runs on the fallback backend, and an op it says it supports must be implemented.
 *
 * <p>Filter: {@code -Dsvg.op=<text>} keeps the cases whose name contains the text, e.g.
 * {@code mvn -pl svg-tensor test -Dtest=CpuConformanceTest -Dsvg.op='matmul(ba=3'}; a failure message starts with the
 * case name, which is also the filter that reruns exactly that case.
 */
public abstract class BackendConformanceTest {

    /** The backend under test; called once per case, so it may return a shared instance. */
    protected abstract Backend backend();

    /**
     * Multiplies every tolerance; 1 for the CPU backends. A device backend whose math library is documented to be
     * less accurate may return more, visibly, in its own subclass (exact cases such as copies stay exact).
     */
    protected double toleranceScale() { return 1; }

    /** Cases of the catalog selected by {@code svg.op}. */
    public static List<OpCase> selected() {
        String f = System.getProperty("svg.op", "");
        List<OpCase> all = OpCatalog.all();
        // an exact name selects only that case, even when it is a prefix of other names
        if (all.stream().anyMatch(c -> c.name().equals(f))) return all.stream().filter(c -> c.name().equals(f)).toList();
        return all.stream().filter(c -> f.isEmpty() || c.name().contains(f)).toList();
    }

    /** Networks differentiated on this backend and on the reference ({@link GradCatalog}); same svg.op filter. */
    @TestFactory
    public Stream<DynamicTest> gradients() {
        Backend b = backend();
        String f = System.getProperty("svg.op", "");
        return GradCatalog.all().stream().filter(c -> f.isEmpty() || c.name().contains(f))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> c.check(b, toleranceScale())));
    }

    /** {@code b} as Tensor ops see it: behind the scheduler that sends what it does not support to the fallback. */
    public static Backend scheduled(Backend b) {
        return b instanceof Scheduler ? b : new Scheduler(b, Backends.fallback());
    }

    @TestFactory
    public Stream<DynamicTest> opCatalog() {
        Backend b = scheduled(backend());
        return selected().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> c.check(b, toleranceScale())));
    }
}
