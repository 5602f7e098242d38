package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.simd.SimdBackend;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A linear layer (and a conv2d) whose weight is stored as bfloat16 runs with the bits on the device (uploaded once as shorts,
 * widened in the kernel), op by op and inside a block plan, and gives the float32 result of the exact bfloat16
 * values (compared with the CPU backend on the same weight). The weight includes the awkward encodings: subnormals,
 * negative zero, the largest and smallest normal exponents.
 */
class Bf16WeightsTest {
    private static Tensor weight() {
        Rng r = new Rng(21);
        float[] w = new float[96 * 64];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.3f;
        w[0] = 1e-39f;            // subnormal in float32 and bfloat16
        w[1] = -0.0f;
        w[2] = 3.0e38f;           // near the top of the exponent range
        w[3] = -1.2e-38f;         // smallest normal exponent
        w[4] = 1.0f;
        return Tensor.of(w, 96, 64).toBf16();
    }

    private static float[] run(Backend be, Supplier<Tensor> f) {
        Backend prev = Backends.use(be);
        try (var g = GradMode.noGrad()) {
            return f.get().toArray();
        } finally {
            Backends.use(prev);
        }
    }

    @Test
    void conv2dWithBf16Weight() {
        Tensor w = Tensor.randn(new Rng(31), 6, 4, 3, 3).mul(0.3f).toBf16(), b = Tensor.randn(new Rng(32), 6);
        assertTrue(w.isBf16());
        Tensor x = Tensor.randn(new Rng(33), 2, 4, 9, 7);
        float[] want = run(new SimdBackend(), () -> x.conv2d(w, b, 1, 1).silu());
        TornadoBackend t = new TornadoBackend(null, true);
        try {
            float[] eager = run(t, () -> x.conv2d(w, b, 1, 1).silu());
            float[] block = run(t, () -> Tensor.block("conv", () -> x.conv2d(w, b, 1, 1).silu()));
            for (float[] got : new float[][]{eager, block}) {
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5f * (1 + Math.abs(want[i])), "at " + i);
            }
        } finally {
            t.release();
        }
    }

    @Test
    void bitsOnTheDeviceMatchTheCpu() {
        Tensor w = weight(), b = Tensor.randn(new Rng(22), 96);
        assertTrue(w.isBf16());
        Tensor x = Tensor.randn(new Rng(23), 3, 7, 64).mul(1e-3f);
        float[] want = run(new SimdBackend(), () -> x.linear(w, b).gelu());
        TornadoBackend t = new TornadoBackend(null, true);
        try {
            float[] eager = run(t, () -> x.linear(w, b).gelu());
            float[] block = run(t, () -> Tensor.block("bf16", () -> x.linear(w, b).gelu()));
            float[] block2 = run(t, () -> Tensor.block("bf16", () -> x.linear(w, b).gelu()));
            for (float[] got : new float[][]{eager, block, block2}) {
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    if (Float.isNaN(want[i])) assertTrue(Float.isNaN(got[i]), "NaN expected at " + i);
                    else assertEquals(want[i], got[i], 1e-5f * (1 + Math.abs(want[i])), "at " + i);
                }
            }
        } finally {
            t.release();
        }
        // the same op with the weight as float32 uploads exactly 96 * 64 * 2 bytes more (4-byte values, not 2)
        Tensor w32 = Tensor.of(w.toArray(), 96, 64);
        TornadoBackend t32 = new TornadoBackend(null, true);
        TornadoBackend t16 = new TornadoBackend(null, true);
        try {
            run(t32, () -> x.linear(w32, b));
            run(t16, () -> x.linear(w, b));
            long extra = t32.transfers().toDeviceBytes() - t16.transfers().toDeviceBytes();
            // the bfloat16 plan also uploads its 256-entry table of powers of two once, in the slot where the
            // float32 plan uploads a one-float placeholder
            assertEquals(96L * 64 * 2 - 256 * 4 + 4, extra, "float32 uploads minus bfloat16 uploads");
        } finally {
            t32.release();
            t16.release();
        }
    }
}
