package svg.bench.jmh;

import org.openjdk.jmh.annotations.*;
import svg.tensor.parallel.Parallel;
import svg.tensor.simd.SimdBackend;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code C += A B} through {@link SimdBackend#sgemm} (row-major, no transposes) at the platform's tile (8x48 with
 * 512-bit vectors, 5x16 with 256-bit: run with {@code -jvmArgsAppend -XX:UseAVX=2}). GFLOP/s = 2 M N K / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class GemmJmh {
    /** M x N x K: square, the DiT-XL MLP's two products (batch 2 x 256 tokens), a short and a long K. */
    @Param({"1024x1024x1024", "512x4608x1152", "512x1152x4608", "256x1536x384", "256x384x1536"})
    public String shape;
    @Param({"1"})
    public int threads;

    private int m, n, k;
    private float[] a, b, c;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        JmhState.describeOnce(threads);
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        Random r = new Random(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() * 2 - 1;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() * 2 - 1;
    }

    @Benchmark
    public float[] sgemm() {
        SimdBackend.sgemm(m, n, k, a, 0, k, false, b, 0, n, false, c, 0, n);
        return c;
    }
}
