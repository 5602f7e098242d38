package svg.tensor.simd;

import svg.tensor.reference.ReferenceBackend;

/**
 * The CPU backend: Vector API kernels, multi-threaded through {@link svg.tensor.parallel.Parallel}.
 * (Placeholder while the kernels are written: inherits the reference loops.)
 */
public class SimdBackend extends ReferenceBackend {
    @Override
    public String name() { return "cpu"; }
}
