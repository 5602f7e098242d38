package svg.tensor.conformance;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import svg.tensor.backend.Backend;
import svg.tensor.backend.BackendProvider;
import svg.tensor.backend.Backends;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The catalog on every backend found through {@link java.util.ServiceLoader} on the test class path. A provider
 * whose {@code probe()} says it cannot run here is reported as one skipped-with-reason test, not silently ignored;
 * so are svg-tensor's own providers, which have runners of their own.
 */
class ProviderConformanceTest {
    /** Providers whose backend a dedicated runner tests (with settings of its own, e.g. two kernel threads). */
    private static final Map<String, String> OWN_RUNNER =
            Map.of("cpu", CpuConformanceTest.class.getSimpleName(), "reference", ReferenceConformanceTest.class.getSimpleName());

    @TestFactory
    Stream<DynamicNode> providers() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            String runner = OWN_RUNNER.get(p.name());
            if (runner != null) {
                nodes.add(DynamicTest.dynamicTest(p.name() + " (run by " + runner + ")",
                        () -> org.junit.jupiter.api.Assumptions.abort("run by " + runner)));
                continue;
            }
            String why = p.probe();
            if (why != null) {
                nodes.add(DynamicTest.dynamicTest(p.name() + " (not usable: " + why + ")",
                        () -> org.junit.jupiter.api.Assumptions.abort(why)));
                continue;
            }
            Backend b = BackendConformanceTest.scheduled(p.create(null));
            String f = System.getProperty("svg.op", "");
            Stream<DynamicTest> ops = BackendConformanceTest.selected().stream()
                    .map(c -> DynamicTest.dynamicTest(c.name(), () -> c.check(b)));
            Stream<DynamicTest> grads = GradCatalog.all().stream().filter(c -> f.isEmpty() || c.name().contains(f))
                    .map(c -> DynamicTest.dynamicTest(c.name(), () -> c.check(b)));
            nodes.add(DynamicContainer.dynamicContainer(p.name(), Stream.concat(ops, grads)));
        }
        return nodes.stream();
    }
}
