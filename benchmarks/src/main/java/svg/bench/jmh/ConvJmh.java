package svg.bench.jmh;

import org.openjdk.jmh.annotations.*;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;
import svg.tensor.simd.SimdBackend;

import java.util.concurrent.TimeUnit;

/**
 * conv2d 3x3, stride 1, padding 1 (implicit GEMM) and its two gradients, on the built-in decoder's widest level
 * (batch 32, 64 channels at 16x16; 32 at 32x32), an LDM-decoder-sized one (128 channels at 64x64, batch 1) and the
 * few-output-channel direct kernel of conv_out (32 -> 3 at 32x32). Shapes: N,C,H,W,O.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class ConvJmh {
    @Param({"32,64,16,16,64", "32,32,32,32,32", "1,128,64,64,128", "32,32,32,32,3"})
    public String shape;
    @Param({"1"})
    public int threads;

    private final SimdBackend cpu = new SimdBackend();
    private Tensor x, w, g;
    private int h, wd;

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        JmhState.describeOnce(threads);
        String[] s = shape.split(",");
        int n = Integer.parseInt(s[0]), c = Integer.parseInt(s[1]), o = Integer.parseInt(s[4]);
        h = Integer.parseInt(s[2]);
        wd = Integer.parseInt(s[3]);
        Rng rng = new Rng(3);
        x = Tensor.randn(rng, n, c, h, wd);
        w = Tensor.randn(rng, o, c, 3, 3);
        g = Tensor.randn(rng, n, o, h, wd);
    }

    @Benchmark
    public Tensor forward() { return cpu.conv2d(x, w, null, 1, 1); }

    @Benchmark
    public Tensor backwardInput() { return cpu.conv2dBackwardInput(g, w, h, wd, 1, 1); }

    @Benchmark
    public Tensor backwardWeight() { return cpu.conv2dBackwardWeight(g, x, 3, 3, 1, 1); }
}
