package svg.tornado;

import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.conformance.BackendConformanceTest;

/**
 * svg-tensor's whole op catalog (from its test-jar) on the TornadoVM backend against the float64 oracle. The test JVM
 * runs with {@code -Dtornado.recover.bailout=False}, so a kernel TornadoVM cannot compile fails its case instead of
 * silently running as plain Java on the host.
 */
class TornadoConformanceTest extends BackendConformanceTest {
    private static Backend backend;

    @Override
    protected synchronized Backend backend() {
        if (backend == null) backend = Backends.byName("tornado");
        return backend;
    }
}
