package svg.tensor.conformance;

import org.junit.jupiter.api.Test;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.UnaryOp;
import svg.tensor.reference.ReferenceBackend;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness must catch the bugs fast kernels typically have: each broken backend here fails its cases. */
class HarnessSelfTest {

    private static OpCase find(String name) {
        return OpCatalog.all().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no case " + name));
    }

    private static void assertCaught(Backend broken, String caseName) {
        AssertionError e = assertThrows(AssertionError.class, () -> find(caseName).check(broken), caseName);
        assertTrue(e.getMessage().startsWith(caseName), "failure message must start with the case name: " + e.getMessage());
    }

    /** Ignores strides: reads the buffer as if the view were contiguous at offset 0. */
    static class IgnoresStrides extends ReferenceBackend {
        @Override
        public Tensor unary(UnaryOp op, Tensor x) {
            Tensor out = Tensor.empty(x.shape());
            for (int i = 0; i < out.numel(); i++)
                out.data()[i] = (float) unaryScalar(op, x.data()[i]);
            return out;
        }
    }

    /** Treats transB as false. */
    static class IgnoresTransB extends ReferenceBackend {
        @Override
        public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
            if (!transB) return super.matmul(a, transA, b, false);
            // reads the [n, k] buffer as if it were [k, n]
            return super.matmul(a, transA, Tensor.of(b.toArray(), b.size(0), b.size(2), b.size(1)), false);
        }
    }

    /** Softmax without subtracting the row maximum: overflows on large logits. */
    static class NaiveSoftmax extends ReferenceBackend {
        @Override
        public Tensor softmax(Tensor x) {
            int n = x.size(-1), rows = x.numel() / n;
            Tensor out = Tensor.empty(x.shape());
            for (int r = 0; r < rows; r++) {
                float s = 0;
                for (int j = 0; j < n; j++) s += (float) Math.exp(x.data()[x.offset() + r * n + j]);
                for (int j = 0; j < n; j++) out.data()[r * n + j] = (float) Math.exp(x.data()[x.offset() + r * n + j]) / s;
            }
            return out;
        }
    }

    /** One-pass float variance E[x^2] - E[x]^2. */
    static class OnePassLayerNorm extends ReferenceBackend {
        @Override
        public Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) {
            int n = x.size(-1), rows = x.numel() / n;
            Tensor out = Tensor.empty(x.shape());
            for (int r = 0; r < rows; r++) {
                float s = 0, ss = 0;
                for (int j = 0; j < n; j++) { float v = x.data()[x.offset() + r * n + j]; s += v; ss += v * v; }
                float mu = s / n, var = ss / n - mu * mu;
                for (int j = 0; j < n; j++) {
                    float y = (x.data()[x.offset() + r * n + j] - mu) / (float) Math.sqrt(var + eps);
                    out.data()[r * n + j] = y * (w == null ? 1 : w.data()[w.offset() + j]) + (b == null ? 0 : b.data()[b.offset() + j]);
                }
            }
            return out;
        }
    }

    /** Forgets the offset of its input (assumes data starts at 0). */
    static class IgnoresOffset extends ReferenceBackend {
        @Override
        public Tensor reduceLast(svg.tensor.backend.ReduceOp op, Tensor x) {
            return super.reduceLast(op, Tensor.of(java.util.Arrays.copyOf(x.data(), x.numel()), x.shape()));
        }
    }

    /** Normalises its input in place (a classic in-place "optimisation"). */
    static class MutatesInput extends ReferenceBackend {
        @Override
        public Tensor rmsNorm(Tensor x, Tensor w, float eps) {
            Tensor out = super.rmsNorm(x, w, eps);
            System.arraycopy(out.data(), 0, x.data(), x.offset(), out.numel());
            return out;
        }
    }

    @Test
    void catchesTypicalKernelBugs() {
        assertCaught(new IgnoresStrides(), "unary(EXP,17x33,transposed)");
        assertCaught(new IgnoresStrides(), "unary(TANH,5x33,offset)");
        assertCaught(new IgnoresTransB(), "matmul(ba=3,bb=1,m=17,k=33,n=5,tA=0,tB=1)");
        assertCaught(new NaiveSoftmax(), "softmax(4x67,large-logits)");
        assertCaught(new OnePassLayerNorm(), "layerNorm(rows=5,n=67,weight=1,bias=1,eps=1.0E-5,mean=100.0)");
        assertCaught(new IgnoresOffset(), "reduceLast(SUM,7x33,offset)");
    }

    /** A conv weight gradient that forgets the stride (the forward is right, so only the gradient cases see it). */
    static class StrideBlindWeightGrad extends ReferenceBackend {
        @Override
        public Tensor conv2dBackwardWeight(Tensor g, Tensor x, int kh, int kw, int stride, int padding) {
            Tensor gw = super.conv2dBackwardWeight(g, x, kh, kw, stride, padding);
            return stride == 1 ? gw : gw.mul(0.5f);
        }
    }

    @Test
    void gradientCatalogCatchesABrokenBackwardOp() {
        GradCatalog.GradCase dec = GradCatalog.all().stream().filter(c -> c.name().startsWith("grad(decoder-block")).findFirst().orElseThrow();
        AssertionError e = assertThrows(AssertionError.class, () -> dec.check(new StrideBlindWeightGrad()));
        assertTrue(e.getMessage().contains("gradient of leaf 5"), e.getMessage());
    }

    @Test
    void catchesAKernelThatWritesIntoItsInput() {
        // a private case: the catalog's inputs are shared by every runner in this JVM and must stay intact
        Tensor x = Inputs.normal(Inputs.rng("mutation"), 2, 3, 17);
        OpCase c = new OpCase("rmsNorm(private,3x17)", "rmsNorm", "", 1e-4, 0, b -> b.rmsNorm(x, null, 1e-6f),
                () -> new OpCase.Expected(Oracle.rmsNorm(Oracle.read(x), 3, 17, null, 1e-6), new int[]{3, 17}));
        c.check(new ReferenceBackend());
        AssertionError e = assertThrows(AssertionError.class, () -> c.check(new MutatesInput()));
        assertTrue(e.getMessage().contains("second identical call differs"), e.getMessage());
    }

    @Test
    void compareChecksNonFiniteValuesExactly() {
        assertNull(Compare.check(new double[]{Double.POSITIVE_INFINITY, 1}, new double[]{Double.POSITIVE_INFINITY, 1}, 0, 0));
        assertNull(Compare.check(new double[]{Double.NaN}, new double[]{Double.NaN}, 0, 0));
        assertTrue(Compare.check(new double[]{Double.NaN, 1}, new double[]{1, 1}, 1, 0).contains("expected finite"));
        assertTrue(Compare.check(new double[]{1}, new double[]{Double.NEGATIVE_INFINITY}, 1, 0).contains("non-finite"));
        assertNull(Compare.check(new double[]{Double.POSITIVE_INFINITY}, new double[]{1e39}, 0, 0), "1e39 rounds to +Inf in float");
        assertTrue(Compare.check(new double[]{1.001, 1}, new double[]{1, 1}, 1e-4, 0).contains("relative error"));
    }

    @Test
    void filterSelectsByName() {
        String prev = System.getProperty("svg.op");
        try {
            System.setProperty("svg.op", "unary(EXP,1)");
            List<OpCase> one = BackendConformanceTest.selected();
            assertTrue(one.size() == 1 && one.get(0).name().equals("unary(EXP,1)"), "exact name selects one case: " + one);
            System.setProperty("svg.op", "matmul(");
            assertTrue(BackendConformanceTest.selected().stream().allMatch(c -> c.op().equals("matmul")));
        } finally {
            if (prev == null) System.clearProperty("svg.op"); else System.setProperty("svg.op", prev);
        }
    }
}
