package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.BackendProvider;
import svg.tensor.backend.Backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plans are compiled once and replayed; weights get one resident plan each; the provider is found and usable. */
class PlanCacheTest {

    @Test
    void providerIsDiscoveredAndUsable() {
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("tornado")).findFirst().orElseThrow();
        assertNull(p.probe(), "probe should pass in the TornadoVM test JVM");
        assertTrue(p.devices().size() >= 1, "TornadoVM lists at least one device");
        assertTrue(p.devices().stream().anyMatch(d -> d.endsWith("(default)")), p.devices().toString());
    }

    @Test
    void deviceMemoryCapIsRaisedBeyondTornadoDefault() {
        // TornadoVM's own default (4 GB) stopped SVG-XL on an H200; the backend raises the cap unless it is given
        Backends.byName("tornado");
        long heap = uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider.getTornadoRuntime().getDefaultDevice()
                .getDeviceContext().getMemoryManager().getHeapSize();
        assertEquals(64L << 30, heap, "TornadoVM's device memory cap");
    }

    @Test
    void plansAreReusedAcrossShapesAndCalls() {
        TornadoBackend b = (TornadoBackend) Backends.byName("tornado");
        Rng r = new Rng(7);
        // 200 and 240 floats: the same power-of-two size class (256)
        Tensor x1 = Tensor.randn(r, 10, 20), x2 = Tensor.randn(r, 12, 20);
        b.unary(svg.tensor.backend.UnaryOp.EXP, x1);
        int after1 = b.planCount();
        b.unary(svg.tensor.backend.UnaryOp.TANH, x2); // another op code and shape that fits: same compiled plan
        b.softmax(x1);
        int after2 = b.planCount();
        b.softmax(x2);
        assertEquals(after1 + 1, after2, "one new plan for softmax, none for the second unary");
        assertEquals(after2, b.planCount(), "softmax replayed for a new shape within capacity");
        // 510 floats: the next size class gets a plan of its own, so small ops do not copy large buffers
        b.unary(svg.tensor.backend.UnaryOp.EXP, Tensor.randn(r, 17, 30));
        assertEquals(after2 + 1, b.planCount(), "a plan per size class");
        long before = b.transfers().toDeviceBytes();
        b.unary(svg.tensor.backend.UnaryOp.EXP, x1);
        long sent = b.transfers().toDeviceBytes() - before;
        assertEquals(4L * (KernelPlan.IP + KernelPlan.FP + 256), sent, "x1 travels in its 256-float plan");

        Tensor w = Tensor.randn(r, 8, 20), bias = Tensor.randn(r, 8);
        b.linear(x1, w, bias);
        int withW = b.planCount();
        b.linear(Tensor.randn(r, 3, 20), w, bias); // same weight: its resident plan again
        assertEquals(withW, b.planCount());
        b.linear(x1, Tensor.randn(r, 8, 20), bias); // another weight: its own plan
        assertEquals(withW + 1, b.planCount());
        b.release();
        assertEquals(0, b.planCount());
    }

    /** Dv above the local-memory kernel's limit takes the global-accumulator attention kernel; both match the CPU. */
    @Test
    void attentionWithWideValuesUsesTheGlobalKernel() {
        TornadoBackend b = (TornadoBackend) Backends.byName("tornado");
        svg.tensor.backend.Backend cpu = Backends.byName("cpu");
        Rng r = new Rng(3);
        for (int dv : new int[]{AttentionKernels.ATT_DV, AttentionKernels.ATT_DV + 8}) {
            Tensor q = Tensor.randn(r, 1, 2, 5, 16), k = Tensor.randn(r, 1, 2, 7, 16), v = Tensor.randn(r, 1, 2, 7, dv);
            Tensor mask = Tensor.randn(r, 5, 7);
            float[] want = cpu.attention(q, k, v, mask, 0.25f).data(), got = b.attention(q, k, v, mask, 0.25f).data();
            for (int i = 0; i < want.length; i++)
                assertEquals(want[i], got[i], 1e-5f * (1 + Math.abs(want[i])), "dv=" + dv + " element " + i);
        }
        b.release();
    }

    @Test
    void explicitDeviceSelectionRuns() {
        Tensor a = Tensor.of(new float[]{1, 2, 3}, 3);
        for (String spec : new String[]{"tornado:0", "tornado:0.0"}) {
            TornadoBackend b = (TornadoBackend) Backends.byName(spec);
            float[] got = b.binary(svg.tensor.backend.BinaryOp.MUL, a, a).data();
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[]{1, 4, 9}, got, spec);
            b.release();
        }
    }

    @Test
    void badDeviceOptionIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> TornadoProbe.create("x"));
        assertTrue(e.getMessage().contains("tornado device"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> TornadoProbe.create("0.99"));
        assertTrue(e2.getMessage().contains("no TornadoVM device"), e2.getMessage());
    }
}
