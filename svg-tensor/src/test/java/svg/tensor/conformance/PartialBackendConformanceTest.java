package svg.tensor.conformance;

import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.Op;
import svg.tensor.backend.UnaryOp;

/**
 * The whole catalog on a backend that runs only a few ops, as a device backend does: elementwise ops up to rank 3
 * and matmul. Every other case must reach the fallback through the scheduler and still conform.
 */
class PartialBackendConformanceTest extends BackendConformanceTest {

    static final class Partial implements Backend {
        private final Backend spec = Backends.byName("reference");

        @Override
        public String name() { return "partial"; }

        @Override
        public boolean supports(Op op, Tensor... operands) {
            return switch (op) {
                case UNARY, BINARY -> operands[0].dim() <= 3;
                case MATMUL -> true;
                default -> false;
            };
        }

        @Override
        public Tensor unary(UnaryOp op, Tensor x) { return spec.unary(op, x); }

        @Override
        public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return spec.binary(op, a, b); }

        @Override
        public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) { return spec.matmul(a, transA, b, transB); }
    }

    private final Backend b = new Partial();

    @Override
    protected Backend backend() { return b; }
}
