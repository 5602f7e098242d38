package svg.tensor.conformance;

import svg.tensor.backend.Backend;
import svg.tensor.reference.ReferenceBackend;

/** The reference backend against the float64 oracle: the spec itself must conform. */
class ReferenceConformanceTest extends BackendConformanceTest {
    private final Backend b = new ReferenceBackend();

    @Override
    protected Backend backend() { return b; }
}
