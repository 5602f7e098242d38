package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.simd.SimdBackend;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Block plans (intermediates kept on the device) against the CPU backend, including the cases where a block cannot
 * stay on the device: a host read in the middle of the block, reads after the block's plan ran again, gradients on.
 */
class BlockPlanTest {
    private static final Tensor W = Tensor.randn(new Rng(1), 48, 16), B = Tensor.randn(new Rng(2), 48);
    private static final Tensor LNW = Tensor.randn(new Rng(6), 8), LNB = Tensor.randn(new Rng(7), 8);

    /** A small attention-like block: linear, chunk, strided views made contiguous, norm, attention, residual. */
    private static Tensor block(Tensor x) {
        Tensor h = x.linear(W, B);                                   // [2, 5, 48]
        Tensor[] qkv = h.reshape(2, 5, 3, 2, 8).permute(2, 0, 3, 1, 4).chunk(3, 0);
        Tensor q = qkv[0].squeeze(0).layerNorm(LNW, LNB, 1e-5f), k = qkv[1].squeeze(0), v = qkv[2].squeeze(0);
        Tensor o = Tensor.attention(q, k, v, null, 0.35f);          // [2, 2, 5, 8]
        return x.add(o.transpose(1, 2).reshape(2, 5, 16).gelu().mul(h.narrow(2, 16, 16)));
    }

    private static float[] on(Backend be, Function<Tensor, Tensor> f, Tensor x) {
        Backend prev = Backends.use(be);
        try (var g = GradMode.noGrad()) {
            return f.apply(x).toArray();
        } finally {
            Backends.use(prev);
        }
    }

    private static void close(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 2e-4 * (1 + Math.abs(want[i])), "at " + i);
    }

    @Test
    void blockMatchesCpuAndReplays() {
        TornadoBackend t = new TornadoBackend(null, true);
        try {
            for (int rep = 0; rep < 3; rep++) {
                Tensor x = Tensor.randn(new Rng(10 + rep), 2, 5, 16);
                close(on(new SimdBackend(), BlockPlanTest::block, x), on(t, y -> Tensor.block("b", () -> block(y)), x));
            }
            assertEquals(1, t.blockPlanCount(), "the same launch sequence replays one plan");
            assertEquals(0, t.planCount(), "nothing ran op by op");
        } finally {
            t.release();
        }
    }

    @Test
    void planBuiltOnTheSecondSightingWhenAsked() {
        TornadoBackend t = new TornadoBackend(null, true, 2);
        try {
            Tensor x = Tensor.randn(new Rng(12), 2, 5, 16);
            float[] want = on(new SimdBackend(), BlockPlanTest::block, x);
            close(want, on(t, y -> Tensor.block("b", () -> block(y)), x));
            assertEquals(0, t.blockPlanCount(), "first sighting: op by op");
            assertTrue(t.planCount() > 0);
            assertEquals(0, t.blockFallbacks("b"), "not planned yet is not a fallback");
            close(want, on(t, y -> Tensor.block("b", () -> block(y)), x));
            assertEquals(1, t.blockPlanCount(), "second sighting: a block plan");
            close(want, on(t, y -> Tensor.block("b", () -> block(y)), x));
            assertEquals(1, t.blockPlanCount());
        } finally {
            t.release();
        }
    }

    @Test
    void catOfDeviceAndHostPartsStaysOnTheDevice() {
        TornadoBackend t = new TornadoBackend(null, true);
        Tensor x = Tensor.randn(new Rng(9), 2, 5, 16), pre = Tensor.randn(new Rng(11), 2, 2, 16);
        Function<Tensor, Tensor> f = y -> {
            Tensor h = y.linear(W, B).narrow(2, 8, 16);                      // a strided view of a device output
            Tensor c = Tensor.cat(1, pre, h.silu(), h.transpose(0, 0));      // [2, 12, 16]: host, device, view
            return Tensor.cat(2, c, c.neg()).add(1f);                         // [2, 12, 32]
        };
        try {
            for (int rep = 0; rep < 2; rep++)
                close(on(new SimdBackend(), f, x), on(t, y -> Tensor.block("cat", () -> f.apply(y)), x));
            assertEquals(0, t.blockFallbacks("cat"));
            assertEquals(1, t.blockPlanCount());
        } finally {
            t.release();
        }
    }

    @Test
    void hostReadInsideTheBlockFallsBackToOpByOp() {
        TornadoBackend t = new TornadoBackend(null, true);
        Tensor x = Tensor.randn(new Rng(3), 2, 5, 16);
        Function<Tensor, Tensor> f = y -> {
            Tensor h = block(y);
            float s = h.sum().item(); // reduceLast runs on the CPU: the queued ops must run now
            return h.mul(s);
        };
        try {
            close(on(new SimdBackend(), f, x), on(t, y -> Tensor.block("b", () -> f.apply(y)), x));
            assertEquals(0, t.blockPlanCount());
        } finally {
            t.release();
        }
    }

    @Test
    void resultsSurviveAReplayIntermediatesDoNot() {
        TornadoBackend t = new TornadoBackend(null, true);
        Backend prev = Backends.use(t);
        try (var g = GradMode.noGrad()) {
            Tensor x1 = Tensor.randn(new Rng(4), 2, 5, 16), x2 = Tensor.randn(new Rng(5), 2, 5, 16);
            Tensor[] mid = new Tensor[1];
            Tensor r1 = Tensor.block("b", () -> {
                Tensor h = x1.linear(W, B);
                mid[0] = h.gelu();
                return mid[0].add(h);
            });
            Tensor r2 = Tensor.block("b", () -> {
                Tensor h = x2.linear(W, B);
                return h.gelu().add(h);
            });
            Backends.use(new SimdBackend());
            float[] want1 = x1.linear(W, B).gelu().add(x1.linear(W, B)).toArray();
            float[] want2 = x2.linear(W, B).gelu().add(x2.linear(W, B)).toArray();
            close(want1, r1.toArray()); // copied to the host before the second run overwrote it
            close(want2, r2.toArray());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> mid[0].toArray());
            assertTrue(e.getMessage().contains("block 'b'"), e.getMessage());
            assertEquals(1, t.blockPlanCount());
        } finally {
            Backends.use(prev);
            t.release();
        }
    }

    @Test
    void gradientsOnRunOpByOp() {
        TornadoBackend t = new TornadoBackend(null, true);
        Backend prev = Backends.use(t);
        try {
            Tensor x = Tensor.randn(new Rng(8), 2, 5, 16).requiresGrad(true);
            Tensor y = Tensor.block("b", () -> block(x));
            y.sum().backward();
            float[] gt = x.grad().toArray();
            Backends.use(new SimdBackend());
            Tensor xc = Tensor.of(x.toArray(), 2, 5, 16).requiresGrad(true);
            block(xc).sum().backward();
            close(xc.grad().toArray(), gt);
            assertEquals(0, t.blockPlanCount());
        } finally {
            Backends.use(prev);
            t.release();
        }
    }
}
