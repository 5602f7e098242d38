package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.module.Init;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resident weights are checked by their storage's version ({@link svg.tensor.Storage#version()}), not by comparing
 * their values before every use: a weight rewritten in place through the public API ({@link Tensor#data()},
 * {@link Tensor#copyFrom}) is seen and its new values are used; an unchanged one is never compared
 * ({@link TornadoBackend#weightBytesCompared()} stays 0), whether op by op or in a block plan; a weight whose
 * version moved without a change (handed out by {@code data()}) is compared once and stays resident.
 */
class WeightVersionTest {
    private static final Backend CPU = Backends.byName("cpu");

    private static void close(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double worst = 0, scale = 1e-6;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        assertTrue(worst <= 1e-4 * scale, what + ": max |diff| " + worst + " (scale " + scale + ")");
    }

    /**
     * The CPU backend's result on copies (it takes its operands through data(), which would move the versions of
     * the tensors the device holds); a bfloat16 weight is copied as its bits.
     */
    private static float[] cpuLinear(Tensor x, Tensor w, Tensor b) {
        Tensor wc = w.isBf16() ? Tensor.ofBf16(w.storage().bf16().clone(), w.shape()) : Tensor.of(w.toArray(), w.shape());
        return CPU.linear(Tensor.of(x.toArray(), x.shape()), wc, Tensor.of(b.toArray(), b.shape())).toArray();
    }

    @Test
    void opByOpLinear() {
        TornadoBackend t = new TornadoBackend(null, false);
        try {
            Tensor x = Tensor.randn(new Rng(1), 9, 40), w = Tensor.randn(new Rng(2), 24, 40), b = Tensor.randn(new Rng(3), 24);
            float[] want = cpuLinear(x, w, b);
            close(want, t.linear(x, w, b).toArray(), "first call");
            close(want, t.linear(x, w, b).toArray(), "second call");
            w.toArray();
            w.get(3, 5);
            close(want, t.linear(x, w, b).toArray(), "after reads");
            assertEquals(0, t.weightBytesCompared(), "unchanged weights (and reads) compare nothing");
            Transfers before = t.transfers();
            close(want, t.linear(x, w, b).toArray(), "warm call");
            long warmUpload = t.transfers().minus(before).toDeviceBytes();

            // handed out writable but not changed: compared once, stays resident
            assertEquals(w.numel(), w.data().length);
            before = t.transfers();
            close(want, t.linear(x, w, b).toArray(), "after data() without a write");
            assertEquals(4L * w.numel(), t.weightBytesCompared(), "the weight whose version moved is compared, the bias not");
            assertEquals(warmUpload, t.transfers().minus(before).toDeviceBytes(), "an unchanged weight is not uploaded again");
            close(want, t.linear(x, w, b).toArray(), "again");
            assertEquals(4L * w.numel(), t.weightBytesCompared(), "compared once, not on every call");

            // an optimiser step: new values written into the same array through the public API
            float[] w2 = Tensor.randn(new Rng(4), 24, 40).toArray();
            System.arraycopy(w2, 0, w.data(), 0, w2.length);
            float[] got = t.linear(x, w, b).toArray();
            close(cpuLinear(x, w, b), got, "after an in-place write through data()");
            assertEquals(8L * w.numel(), t.weightBytesCompared());

            // and through copyFrom (the weight now travels with every call, as after any change)
            w.copyFrom(Tensor.randn(new Rng(5), 24, 40).toArray());
            close(cpuLinear(x, w, b), t.linear(x, w, b).toArray(), "after copyFrom");
        } finally {
            t.release();
        }
    }

    @Test
    void bfloat16WeightRewrittenByCopyFrom() {
        TornadoBackend t = new TornadoBackend(null, false);
        try {
            Tensor x = Tensor.randn(new Rng(1), 7, 32), b = Tensor.randn(new Rng(3), 16);
            Tensor w = Tensor.randn(new Rng(2), 16, 32).toBf16();
            close(cpuLinear(x, w, b), t.linear(x, w, b).toArray(), "bf16 first call");
            t.linear(x, w, b);
            assertEquals(0, t.weightBytesCompared());
            w.copyFrom(Tensor.randn(new Rng(6), 16, 32).toArray()); // the one way to write a bfloat16 tensor
            close(cpuLinear(x, w, b), t.linear(x, w, b).toArray(), "bf16 after copyFrom");
            assertEquals(2L * w.numel(), t.weightBytesCompared(), "the bfloat16 bits are compared once");
        } finally {
            t.release();
        }
    }

    @Test
    void blockPlanWeights() {
        DiTConfig cfg = new DiTConfig(8, 1, 8, 64, 2, 4, 4.0, 0.1, 10, true, 0, true);
        DiTCase c = DiTCase.of(cfg, 2, 0.2);
        DiT m = c.model();
        float[] want;
        try (var g = GradMode.noGrad()) {
            want = m.forward(c.x(), c.time(), c.y()).toArray(); // CPU, before the device watches the weights
        }
        Tensor p = null;
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet())
            if (e.getKey().startsWith("blocks.1.") && e.getKey().endsWith("fc1.weight")) p = e.getValue();
        assertNotNull(p, "a block's MLP weight");

        TornadoBackend t = new TornadoBackend(null, true);
        Backend prev = Backends.use(t);
        try (var g = GradMode.noGrad()) {
            close(want, m.forward(c.x(), c.time(), c.y()).toArray(), "cold forward");
            Transfers before = t.transfers();
            close(want, m.forward(c.x(), c.time(), c.y()).toArray(), "warm forward");
            long warmUpload = t.transfers().minus(before).toDeviceBytes();
            assertEquals(0, t.weightBytesCompared(), "a forward compares no unchanged weight");
            assertEquals(cfg.depth(), t.blockPlanCount());

            // an optimiser-like step on one block weight, in place (Init writes through data())
            Init.normal(p, new Rng(9), 0, 0.2);
            before = t.transfers();
            float[] got = m.forward(c.x(), c.time(), c.y()).toArray();
            assertEquals(4L * p.numel(), t.weightBytesCompared(), "only the written weight is compared");
            assertTrue(t.transfers().minus(before).toDeviceBytes() > warmUpload, "its new values travel");
            Backends.use(prev);
            float[] want2 = m.forward(c.x(), c.time(), c.y()).toArray(); // CPU with the new weight
            close(want2, got, "forward after the in-place write");
            double diff = 0;
            for (int i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(want[i] - want2[i]));
            assertTrue(diff > 1e-3, "the write changed the output");
        } finally {
            Backends.use(prev);
            t.release();
        }
    }
}
