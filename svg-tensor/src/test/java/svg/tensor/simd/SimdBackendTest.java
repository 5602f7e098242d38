package svg.tensor.simd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.UnaryOp;
import svg.tensor.parallel.Parallel;
import svg.tensor.reference.ReferenceBackend;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIMD-specific checks beyond the op conformance catalog: GEMM shapes that cross every blocking boundary (edge
 * tiles, several K blocks, skinny rows), bit-identical results for 1 and 2 threads, and the packed-weight cache
 * noticing in-place weight updates.
 */
class SimdBackendTest {
    private static final int SAVED = Parallel.threads();
    private final SimdBackend cpu = new SimdBackend();
    private final ReferenceBackend ref = new ReferenceBackend();

    @AfterAll
    static void restore() { Parallel.setThreads(SAVED); }

    private static Tensor rand(long seed, int... shape) { return Tensor.randn(new Rng(seed), shape); }

    /** Max |got - want| / (|want| + scale) over all elements. */
    private static double relErr(Tensor got, Tensor want, double scale) {
        float[] g = got.toArray(), w = want.toArray();
        assertArrayEquals(want.shape(), got.shape());
        double worst = 0;
        for (int i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]) / (Math.abs(w[i]) + scale));
        return worst;
    }

    private static float[] withThreads(int t, Supplier<Tensor> f) {
        Parallel.setThreads(t);
        return f.get().toArray();
    }

    private static void assertSameBitsForThreadCounts(Supplier<Tensor> f) {
        float[] one = withThreads(1, f), two = withThreads(2, f), three = withThreads(3, f);
        assertArrayEquals(one, two, "1 vs 2 threads");
        assertArrayEquals(one, three, "1 vs 3 threads");
    }

    @Test
    void gemmMatchesReferenceAcrossBlockingEdges() {
        Parallel.setThreads(2);
        // m: skinny (1..4), one partial sliver, several row blocks; n: partial panels; k: several K blocks
        int[][] shapes = {{1, 70, 33}, {3, 5, 300}, {4, 129, 257}, {5, 48, 16}, {9, 49, 600}, {97, 97, 97},
                {200, 390, 513}, {131, 7, 40}};
        for (int[] s : shapes)
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int m = s[0], n = s[1], k = s[2];
                Tensor a = ta ? rand(1, 2, k, m) : rand(1, 2, m, k), b = tb ? rand(2, 1, n, k) : rand(2, 1, k, n);
                double e = relErr(cpu.matmul(a, ta, b, tb), ref.matmul(a, ta, b, tb), Math.sqrt(k));
                assertTrue(e < 1e-5, "matmul " + java.util.Arrays.toString(s) + " ta=" + ta + " tb=" + tb + " err " + e);
            }
    }

    /**
     * A row's bits do not depend on how many rows the product has: the skinny path (m <= 4) sums as the packed
     * kernel does. Otherwise a batch of 2 and a batch of 6 would sample different images for the same seed.
     */
    @Test
    void skinnyRowsAreBitIdenticalToTheSameRowsOfATallerProduct() {
        Parallel.setThreads(2);
        int[][] shapes = {{70, 33}, {129, 300}, {5, 600}, {390, 513}};
        for (int[] s : shapes)
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int n = s[0], k = s[1], tall = 11;
                Tensor a = ta ? rand(7, 1, k, tall) : rand(7, 1, tall, k), b = tb ? rand(8, 1, n, k) : rand(8, 1, k, n);
                float[] all = cpu.matmul(a, ta, b, tb).toArray();
                for (int m = 1; m <= Gemm.SKINNY_M; m++) {
                    Tensor am = (ta ? a.narrow(2, 0, m) : a.narrow(1, 0, m)).contiguous();
                    float[] few = cpu.matmul(am, ta, b, tb).toArray();
                    assertArrayEquals(java.util.Arrays.copyOf(all, m * n), few,
                            "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb);
                }
            }
        SimdBackend cached = new SimdBackend();
        cached.cachePackedWeights(true);
        Tensor x = rand(9, 6, 130), w = rand(10, 50, 130), bias = rand(11, 50);
        for (SimdBackend be : new SimdBackend[]{cpu, cached}) {
            float[] all = be.linear(x, w, bias).toArray();
            assertArrayEquals(java.util.Arrays.copyOf(all, 2 * 50), be.linear(x.narrow(0, 0, 2).contiguous(), w, bias).toArray());
        }
    }

    @Test
    void gemmWithBTooLargeToPackAtOnce() {
        Parallel.setThreads(2);
        // k x n above the packed-B chunk (2^23 floats): the columns are done in several chunks
        int m = 9, k = 2048, n = 4200;
        Tensor a = rand(26, 1, m, k), b = rand(27, 1, k, n);
        assertTrue(relErr(cpu.matmul(a, false, b, false), ref.matmul(a, false, b, false), Math.sqrt(k)) < 1e-5);
    }

    @Test
    void linearMatchesReferenceWithAndWithoutCache() {
        Parallel.setThreads(2);
        Tensor x = rand(3, 77, 130), w = rand(4, 50, 130), b = rand(5, 50);
        Tensor want = ref.linear(x, w, b);
        assertTrue(relErr(cpu.linear(x, w, b), want, 10) < 1e-5);
        SimdBackend cached = new SimdBackend();
        cached.cachePackedWeights(true);
        assertTrue(relErr(cached.linear(x, w, b), want, 10) < 1e-5);
        assertTrue(relErr(cached.linear(x, w, null), ref.linear(x, w, null), 10) < 1e-5);
        // an optimiser-style in-place update of every weight must not be served from the stale packed copy
        float[] wd = w.data();
        for (int i = 0; i < wd.length; i++) wd[i] *= 0.5f;
        assertTrue(relErr(cached.linear(x, w, b), ref.linear(x, w, b), 10) < 1e-5);
        // ... nor a change of one single element (a sparse update)
        wd[1234] += 3f;
        assertTrue(relErr(cached.linear(x, w, b), ref.linear(x, w, b), 10) < 1e-5);
    }

    /**
     * The 256-bit (5x16 tile) and 128-bit (5x8) code paths, in child JVMs with narrower vectors: this machine would
     * otherwise only ever run the 512-bit paths. On a machine without those x86 flags the child runs its default.
     */
    @Test
    void narrowerVectorWidthsMatchReference() throws Exception {
        boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64");
        for (String avx : new String[]{"-XX:UseAVX=2", "-XX:UseAVX=1"}) {
            ProcessBuilder pb = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-XX:+IgnoreUnrecognizedVMOptions", avx, "-Xmx1g",
                    "-cp", System.getProperty("java.class.path"), NarrowVectorCheck.class.getName());
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor() == 0 && out.contains("ok"), avx + ": " + out);
            if (x86) assertTrue(out.contains(avx.endsWith("2") ? "256-bit" : "128-bit"), "child JVM did not narrow its vectors: " + out);
        }
    }

    @Test
    void elementwiseOnStridedAndBroadcastViews() {
        Parallel.setThreads(2);
        Tensor a = rand(6, 4, 5, 37);
        Tensor t = a.transpose(0, 2); // strided
        for (UnaryOp op : UnaryOp.values()) {
            Tensor in = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT ? t.abs().add(0.1f) : t;
            assertTrue(relErr(cpu.unary(op, in), ref.unary(op, in), 1e-3) < 2e-5, op.toString());
        }
        Tensor row = rand(7, 37).reshape(1, 1, 37).expand(4, 5, 37);
        Tensor col = rand(8, 4, 5, 1).expand(4, 5, 37);
        for (BinaryOp op : BinaryOp.values()) {
            boolean pow = op == BinaryOp.POW; // positive bases only: a negative base to a fractional power is NaN
            Tensor x = pow ? a.abs() : a, c = pow ? col.abs() : col;
            assertTrue(relErr(cpu.binary(op, x, row), ref.binary(op, x, row), 1e-3) < 1e-5, op + " row");
            assertTrue(relErr(cpu.binary(op, c, x), ref.binary(op, c, x), 1e-3) < 1e-5, op + " col");
            Tensor ts = pow ? t.abs() : t;
            assertTrue(relErr(cpu.binary(op, ts, t), ref.binary(op, ts, t), 1e-3) < 1e-5, op + " strided");
        }
    }

    @Test
    void convMatchesReferenceWhenPanelsCrossOutputRows() {
        Parallel.setThreads(2);
        // output rows (70 and 35 pixels) longer and shorter than a packed panel, padding, stride 2, non-square kernel
        Tensor x = rand(22, 2, 5, 13, 70), w = rand(23, 7, 5, 3, 3), b = rand(24, 7), w2 = rand(25, 9, 5, 4, 2);
        assertTrue(relErr(cpu.conv2d(x, w, b, 1, 1), ref.conv2d(x, w, b, 1, 1), 5) < 1e-5);
        assertTrue(relErr(cpu.conv2d(x, w2, null, 2, 1), ref.conv2d(x, w2, null, 2, 1), 5) < 1e-5);
        assertTrue(relErr(cpu.conv2d(x, w2, null, 3, 0), ref.conv2d(x, w2, null, 3, 0), 5) < 1e-5);
    }

    @Test
    void attentionMatchesReferenceOnLongSequences() {
        Parallel.setThreads(2);
        Tensor q = rand(9, 2, 3, 150, 64), k = rand(10, 2, 3, 400, 64), v = rand(11, 2, 3, 400, 40);
        Tensor mask = rand(12, 150, 400);
        float sc = 0.125f;
        assertTrue(relErr(cpu.attention(q, k, v, null, sc), ref.attention(q, k, v, null, sc), 1e-2) < 1e-4);
        assertTrue(relErr(cpu.attention(q, k, v, mask, sc), ref.attention(q, k, v, mask, sc), 1e-2) < 1e-4);
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        Tensor a = rand(13, 300, 700), b = rand(14, 700, 260), x = rand(15, 2, 6, 20, 20), w = rand(16, 10, 6, 3, 3);
        Tensor q = rand(17, 1, 4, 200, 64), k = rand(18, 1, 4, 300, 64), v = rand(19, 1, 4, 300, 64);
        Tensor big = rand(20, 64, 5000), gy = rand(21, 2, 10, 10, 10);
        try {
            assertSameBitsForThreadCounts(() -> cpu.matmul(a.reshape(1, 300, 700), false, b.reshape(1, 700, 260), false));
            assertSameBitsForThreadCounts(() -> cpu.matmul(a.reshape(3, 100, 700), false, a.reshape(3, 100, 700), true));
            assertSameBitsForThreadCounts(() -> cpu.linear(a, b.transpose(0, 1).contiguous(), null));
            assertSameBitsForThreadCounts(() -> cpu.attention(q, k, v, null, 0.125f));
            assertSameBitsForThreadCounts(() -> cpu.conv2d(x, w, null, 2, 1));
            assertSameBitsForThreadCounts(() -> cpu.conv2dBackwardInput(gy, w, 20, 20, 2, 1));
            assertSameBitsForThreadCounts(() -> cpu.conv2dBackwardWeight(gy, x, 3, 3, 2, 1));
            // stride 1: the batched implicit GEMM (forward, and the input gradient as a flipped-kernel conv) and the
            // grouped weight gradient
            Tensor gy1 = rand(22, 2, 10, 20, 20);
            assertSameBitsForThreadCounts(() -> cpu.conv2d(x, w, null, 1, 1));
            assertSameBitsForThreadCounts(() -> cpu.conv2dBackwardInput(gy1, w, 20, 20, 1, 1));
            assertSameBitsForThreadCounts(() -> cpu.conv2dBackwardWeight(gy1, x, 3, 3, 1, 1));
            assertSameBitsForThreadCounts(() -> cpu.softmax(big));
            assertSameBitsForThreadCounts(() -> cpu.layerNorm(big, null, null, 1e-6f));
            assertSameBitsForThreadCounts(() -> cpu.groupNorm(big.reshape(2, 32, 5000), 8, null, null, 1e-6f));
            assertSameBitsForThreadCounts(() -> cpu.reduceLast(svg.tensor.backend.ReduceOp.SUM, big));
            assertSameBitsForThreadCounts(() -> cpu.embeddingBackward(big.narrow(0, 0, 6).contiguous(), new int[]{1, 0, 1, 3, 1, 0}, 4));
        } finally {
            Parallel.setThreads(SAVED);
        }
    }
}
