package svg.tensor.autograd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.reference.ReferenceBackend;

import static org.junit.jupiter.api.Assertions.*;

/** requiresGrad propagation, accumulation, no-grad scopes, detach, and the errors autograd must raise. */
class AutogradBehaviourTest {
    private static Backend saved;

    @BeforeAll
    static void useReference() { saved = Backends.use(new ReferenceBackend()); }

    @AfterAll
    static void restore() { Backends.use(saved); }

    private static Tensor leaf(float... v) { return Tensor.of(v.clone(), v.length).requiresGrad(true); }

    @Test
    void requiresGradPropagatesOnlyFromParameters() {
        Tensor w = leaf(1, 2, 3), c = Tensor.of(new float[]{4, 5, 6}, 3);
        assertTrue(w.requiresGrad());
        assertFalse(c.requiresGrad());
        Tensor y = w.mul(c);
        assertTrue(y.requiresGrad());
        assertNotNull(y.node());
        Tensor z = c.exp();
        assertFalse(z.requiresGrad());
        assertNull(z.node(), "ops on constants record nothing");
        y.sum().backward();
        assertArrayEquals(new float[]{4, 5, 6}, w.grad().toArray());
        assertNull(c.grad(), "a constant gets no gradient");
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor x = leaf(1, -2, 3);
        x.square().sum().backward();
        assertArrayEquals(new float[]{2, -4, 6}, x.grad().toArray());
        x.mul(3f).sum().backward();
        assertArrayEquals(new float[]{5, -1, 9}, x.grad().toArray());
        x.zeroGrad();
        assertNull(x.grad());
        x.sum().backward();
        assertArrayEquals(new float[]{1, 1, 1}, x.grad().toArray());
    }

    @Test
    void aLeafUsedTwiceGetsBothContributions() {
        Tensor x = leaf(2, 3);
        x.mul(x).add(x).sum().backward(); // d/dx (x^2 + x) = 2x + 1
        assertArrayEquals(new float[]{5, 7}, x.grad().toArray());
    }

    @Test
    void noGradScopeRecordsNothingAndRestoresTheMode() {
        Tensor x = leaf(1, 2);
        assertTrue(GradMode.isEnabled());
        try (var g = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            Tensor y = x.mul(2f);
            assertFalse(y.requiresGrad());
            assertNull(y.node());
            try (var e = GradMode.enableGrad()) {
                assertTrue(x.mul(2f).requiresGrad(), "enableGrad inside noGrad records again");
            }
            assertFalse(GradMode.isEnabled(), "the inner scope restores the outer mode");
        }
        assertTrue(GradMode.isEnabled());
        assertThrows(IllegalStateException.class, () -> {
            try (var g = GradMode.noGrad()) { x.mul(2f).sum().backward(); }
        });
    }

    @Test
    void detachStopsGradientsAndSharesData() {
        Tensor x = leaf(1, 2, 3);
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertSame(x.data(), d.data(), "detach is a view, not a copy");
        x.mul(d).sum().backward(); // only the non-detached factor contributes: grad = d = x
        assertArrayEquals(new float[]{1, 2, 3}, x.grad().toArray());
    }

    @Test
    void gradientsReachLeavesThroughViews() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        x.transpose(0, 1).narrow(0, 1, 2).select(1, 1).sum().backward(); // picks x[1][1], x[1][2]
        assertArrayEquals(new float[]{0, 0, 0, 0, 1, 1}, x.grad().toArray());
    }

    @Test
    void maxSendsTheGradientToTheFirstMaximumOnly() {
        Tensor x = leaf(3, 1, 3, 2);
        x.max(0, false).backward();
        assertArrayEquals(new float[]{1, 0, 0, 0}, x.grad().toArray(), "ties must not multiply the gradient");
    }

    @Test
    void gradDoesNotAliasTheGradientPassedToBackward() {
        Tensor x = leaf(1, 2);
        Tensor g = Tensor.of(new float[]{5, 7}, 2);
        x.reshape(2, 1).backward(g.reshape(2, 1));
        g.data()[0] = 100; // the caller reuses its buffer
        assertArrayEquals(new float[]{5, 7}, x.grad().toArray());
        assertNotSame(g.data(), x.grad().data());
    }

    @Test
    void misuseIsReportedClearly() {
        Tensor x = leaf(1, 2);
        Tensor y = x.mul(2f);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("scalar"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false), "a non-leaf cannot drop requiresGrad");
        assertThrows(IllegalStateException.class, () -> Tensor.of(new float[]{1}, 1).backward());
        IllegalStateException shape = assertThrows(IllegalStateException.class, () -> y.backward(Tensor.zeros(3)));
        assertTrue(shape.getMessage().contains("shape"), shape.getMessage());
    }

    @Test
    void gradCheckItselfDetectsAWrongGradient() {
        Tensor x = leaf(0.5f, -1.5f, 2f);
        // x * detach(x): autograd sees only one factor, so its gradient is x where the true one is 2x
        AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.check("self-test", in -> in[0].mul(in[0].detach()), x));
        assertTrue(e.getMessage().contains("relative error"), e.getMessage());
    }
}
