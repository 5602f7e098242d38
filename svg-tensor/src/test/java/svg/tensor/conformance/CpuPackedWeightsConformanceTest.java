package svg.tensor.conformance;

import svg.tensor.backend.Backend;
import svg.tensor.simd.SimdBackend;

/**
 * The cpu backend with its packed-weight cache on (the inference setting): the catalog, including the case that
 * updates a weight in place between two calls, must still pass.
 */
class CpuPackedWeightsConformanceTest extends BackendConformanceTest {
    private final SimdBackend b = new SimdBackend();

    {
        b.cachePackedWeights(true);
    }

    @Override
    protected Backend backend() { return b; }
}
