package svg.bench.jmh;

import org.openjdk.jmh.annotations.*;
import svg.bench.TrainNets;
import svg.tensor.Rng;
import svg.tensor.parallel.Parallel;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One training step (zero grads, forward, backward, AdamW) of the model's DiT (batch 64) and of its autoencoder's
 * decoder (batch 32, L1), the architectures read from {@code model} as in benchmarks/train-vs-pytorch.sh
 * ({@link TrainNets}; a relative path is taken from the directory JMH was started in, the repository root with
 * benchmarks/jmh.sh).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class TrainStepJmh {
    @Param({TrainNets.DEFAULT_MODEL})
    public String model;
    @Param({"2"})
    public int threads;

    private Runnable dit, decoder;

    @Setup
    public void setup() throws Exception {
        Parallel.setThreads(threads);
        JmhState.describeOnce(threads);
        TrainNets n = TrainNets.load(Path.of(model), 128, 4, 4, 10);
        dit = n.ditStep(new Rng(0));
        decoder = n.decoderStep(new Rng(1));
    }

    @Benchmark
    public void ditStep() { dit.run(); }

    @Benchmark
    public void decoderStep() { decoder.run(); }
}
