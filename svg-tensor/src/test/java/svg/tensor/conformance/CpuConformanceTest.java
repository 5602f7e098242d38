package svg.tensor.conformance;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.parallel.Parallel;

/**
 * The default "cpu" (SIMD) backend against the float64 oracle, with two kernel threads so that the multi-threaded
 * paths run even on a one-core machine.
 */
class CpuConformanceTest extends BackendConformanceTest {
    private static int savedThreads;
    private final Backend b = Backends.byName("cpu");

    @BeforeAll
    static void twoThreads() {
        savedThreads = Parallel.threads();
        Parallel.setThreads(2);
    }

    @AfterAll
    static void restore() { Parallel.setThreads(savedThreads); }

    @Override
    protected Backend backend() { return b; }
}
