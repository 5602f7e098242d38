package svg.bench.jmh;

import org.openjdk.jmh.annotations.*;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;
import svg.tensor.simd.SimdBackend;

import java.util.concurrent.TimeUnit;

/**
 * Fused attention (Q K^T on the GEMM micro-kernel, online softmax, P V on its own register tiles) for q, k, v of
 * shape [B, H, T, D]: the built-in DiT's (batch 64, 4 heads, 8x8 tokens, head 32), a DINO-like one and DiT-XL's
 * (head 72, padded to whole vectors). FLOPs = 4 B H T^2 D.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class AttentionJmh {
    /** B,H,T,D. */
    @Param({"64,4,64,32", "1,6,256,64", "2,16,256,72"})
    public String shape;
    @Param({"1"})
    public int threads;

    private final SimdBackend cpu = new SimdBackend();
    private Tensor q, k, v;
    private float scale;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        JmhState.describeOnce(threads);
        String[] s = shape.split(",");
        int b = Integer.parseInt(s[0]), h = Integer.parseInt(s[1]), t = Integer.parseInt(s[2]), d = Integer.parseInt(s[3]);
        Rng rng = new Rng(7);
        q = Tensor.randn(rng, b, h, t, d);
        k = Tensor.randn(rng, b, h, t, d);
        v = Tensor.randn(rng, b, h, t, d);
        scale = (float) (1 / Math.sqrt(d));
    }

    @Benchmark
    public Tensor attention() { return cpu.attention(q, k, v, null, scale); }
}
