package svg.tensor.parallel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.conformance.Inputs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The "cpu" backend gives bit-identical results with 1 and 2 kernel threads (the project's determinism policy),
 * on sizes large enough to be split into several chunks: a GEMM, attention, conv2d and its gradients, norms.
 */
class DeterminismTest {
    private static Backend saved;
    private static int savedThreads;

    @BeforeAll
    static void useCpu() {
        saved = Backends.use(Backends.byName("cpu"));
        savedThreads = Parallel.threads();
    }

    @AfterAll
    static void restore() {
        Backends.use(saved);
        Parallel.setThreads(savedThreads);
    }

    /** Every named output of {@code run}, with the given thread count. */
    private static Map<String, int[]> bits(int threads, Supplier<Map<String, Tensor>> run) {
        Parallel.setThreads(threads);
        Map<String, int[]> r = new LinkedHashMap<>();
        run.get().forEach((k, t) -> {
            float[] v = t.toArray();
            int[] b = new int[v.length];
            for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
            r.put(k, b);
        });
        return r;
    }

    private static void assertSameWithThreads(Supplier<Map<String, Tensor>> run) {
        Map<String, int[]> one = bits(1, run);
        // 2 threads already split every region differently from 1; more threads add run time, not coverage
        for (int t : new int[]{2}) {
            Map<String, int[]> many = bits(t, run);
            assertEquals(one.keySet(), many.keySet());
            for (String k : one.keySet())
                assertArrayEquals(one.get(k), many.get(k), k + ": 1 thread vs " + t + " threads differ");
        }
    }

    @Test
    void forwardOps() {
        Rng r = Inputs.rng("determinism-forward");
        Tensor a = Inputs.normal(r, 1, 256, 320), b = Inputs.normal(r, 1, 320, 288);
        Tensor w = Inputs.normal(r, 0.05, 384, 320), bias = Inputs.normal(r, 1, 384), wb = w.toBf16();
        Tensor q = Inputs.normal(r, 1, 2, 4, 197, 64), k = Inputs.normal(r, 1, 2, 4, 197, 64), v = Inputs.normal(r, 1, 2, 4, 197, 64);
        Tensor mask = Inputs.normal(r, 1, 197, 197);
        Tensor img = Inputs.normal(r, 1, 2, 32, 32, 32), cw = Inputs.normal(r, 0.05, 64, 32, 3, 3), cb = Inputs.normal(r, 1, 64);
        Tensor rows = Inputs.normal(r, 3, 257, 768), lw = Inputs.normal(r, 1, 768), lb = Inputs.normal(r, 1, 768);
        Tensor q72 = Inputs.normal(r, 1, 2, 4, 197, 72), v72 = Inputs.normal(r, 1, 2, 4, 197, 72); // DiT-XL head size
        Tensor cw3 = Inputs.normal(r, 0.05, 3, 32, 3, 3); // few output channels: the direct conv path
        assertSameWithThreads(() -> {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("matmul", a.matmul(b));
            m.put("matmul^T", a.matmul(a.transpose(0, 1)));
            m.put("linear", a.linear(w, bias));
            m.put("linear-bf16", a.linear(wb, bias));
            m.put("linear-bf16-2rows", a.narrow(0, 0, 2).linear(wb, bias));
            m.put("attention", Tensor.attention(q, k, v, null, 0.125f));
            m.put("attention+mask", Tensor.attention(q, k, v, mask, 0.125f));
            m.put("conv2d", img.conv2d(cw, cb, 1, 1));
            m.put("conv2d s2", img.conv2d(cw, cb, 2, 1));
            m.put("conv2d to 3 channels", img.conv2d(cw3, null, 1, 1));
            m.put("attention d72", Tensor.attention(q72, q72, v72, null, 0.12f));
            m.put("groupNorm", img.groupNorm(8, null, null, 1e-6f));
            m.put("layerNorm", rows.layerNorm(lw, lb, 1e-6f));
            m.put("rmsNorm", rows.rmsNorm(lw, 1e-6f));
            m.put("softmax", rows.softmax(-1));
            m.put("gelu", rows.gelu());
            m.put("sum", rows.sum(0, false));
            m.put("upsample", img.upsampleNearest2x());
            return m;
        });
    }

    @Test
    void gradients() {
        Rng r = Inputs.rng("determinism-backward");
        Tensor x = Inputs.normal(r, 1, 2, 16, 24, 24), cw = Inputs.normal(r, 0.1, 32, 16, 3, 3);
        Tensor h = Inputs.normal(r, 1, 2, 97, 128), w = Inputs.normal(r, 0.1, 192, 128);
        Tensor x1d = Inputs.normal(r, 1, 10, 16, 24, 24), gnw = Inputs.normal(r, 1, 32), gnb = Inputs.normal(r, 1, 32);
        assertSameWithThreads(() -> {
            Tensor xp = Tensor.of(x.toArray(), x.shape()).requiresGrad(true), cwp = Tensor.of(cw.toArray(), cw.shape()).requiresGrad(true);
            xp.conv2d(cwp, null, 2, 1).silu().square().sum().backward();
            Tensor hp = Tensor.of(h.toArray(), h.shape()).requiresGrad(true), wp = Tensor.of(w.toArray(), w.shape()).requiresGrad(true);
            Tensor[] qkv = hp.layerNorm(null, null, 1e-6f).linear(wp, null).reshape(2, 97, 3, 64).permute(2, 0, 1, 3).split(0, 1, 1, 1);
            Tensor att = Tensor.attention(qkv[0].reshape(2, 1, 97, 64), qkv[1].reshape(2, 1, 97, 64), qkv[2].reshape(2, 1, 97, 64), null, 0.125f);
            att.square().mean().backward();
            // stride 1 (the channel-last weight gradient, the flipped-kernel input gradient) through the fused
            // GroupNorm backward ops, over two image groups (10 images of 24x24: 7 and 3 per group of about 4096 pixels)
            Tensor x1 = Tensor.of(x1d.toArray(), x1d.shape()).requiresGrad(true), cw1 = Tensor.of(cw.toArray(), cw.shape()).requiresGrad(true);
            Tensor gw = Tensor.of(gnw.toArray(), gnw.shape()).requiresGrad(true), gb = Tensor.of(gnb.toArray(), gnb.shape()).requiresGrad(true);
            x1.conv2d(cw1, null, 1, 1).groupNorm(8, gw, gb, 1e-6f).silu().square().sum().backward();
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("conv dx", xp.grad());
            m.put("conv dw", cwp.grad());
            m.put("conv s1 + groupNorm dx", x1.grad());
            m.put("conv s1 dw", cw1.grad());
            m.put("groupNorm dw", gw.grad());
            m.put("groupNorm db", gb.grad());
            m.put("block dx", hp.grad());
            m.put("block dw", wp.grad());
            return m;
        });
    }

    @Test
    void chunkBoundariesDependOnlyOnSizeAndGrain() {
        for (int n : new int[]{1, 7, 64, 1000}) {
            List<String> ref = null;
            for (int t : new int[]{1, 2, 4}) {
                Parallel.setThreads(t);
                ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
                Parallel.forChunks(n, 13, (s, e) -> seen.add(s + ":" + e));
                List<String> sorted = new ArrayList<>(seen);
                sorted.sort(null);
                if (ref == null) ref = sorted;
                else assertEquals(ref, sorted, "chunks of n=" + n + " with " + t + " threads");
            }
            assertEquals((n + 12) / 13, ref.size());
        }
    }
}
