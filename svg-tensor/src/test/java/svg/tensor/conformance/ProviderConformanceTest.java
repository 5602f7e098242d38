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
import java.util.stream.Stream;

/**
 * The catalog on every backend found through {@link java.util.ServiceLoader} on the test class path. A provider
 * whose {@code probe()} says it cannot run here is reported as one skipped-with-reason test, not silently ignored.
 */
class ProviderConformanceTest {

    @TestFactory
    Stream<DynamicNode> providers() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            String why = p.probe();
            if (why != null) {
                nodes.add(DynamicTest.dynamicTest(p.name() + " (not usable: " + why + ")",
                        () -> org.junit.jupiter.api.Assumptions.abort(why)));
                continue;
            }
            Backend b = p.create(null);
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
