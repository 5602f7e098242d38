package svg.nn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.data.Batch;
import svg.nn.data.Loader;
import svg.nn.data.Views;
import svg.tensor.Rng;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {
    private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

    /** Records what the trainer reports. */
    static final class Recorder implements TrainListener {
        final List<String> events = new ArrayList<>();
        int updates;
        long lastDone;
        double lastLoss = Double.NaN;

        @Override
        public void started(String task, long start, long total) { events.add("started " + task + " " + start + "/" + total); }

        @Override
        public void updated(long done, Map<String, Double> losses, double samplesPerSecond) {
            updates++;
            lastDone = done;
            lastLoss = losses.get("loss");
            assertTrue(samplesPerSecond > 0, "throughput " + samplesPerSecond);
        }

        @Override
        public void checkpointed(long done, Path log) { events.add("checkpoint " + done + " " + log.getFileName()); }

        @Override
        public void finished() { events.add("finished"); }
    }

    @Test
    void learnsLogsAndReportsToItsListener(@TempDir Path out) throws Exception {
        Recorder rec = new Recorder();
        TrainConfig cfg = TrainConfig.defaults(out, 60, 8, 1e-2).withCheckpointEvery(20).withLogEvery(5).withListener(rec);
        ToyTask task = new ToyTask(36, 16, 4, 1, 0);
        try (Loader l = new Loader(new ToyData(40, 6), 8, 0, Views.single((i, r) -> i), 1, 2)) {
            Trainer.Result r = new Trainer(cfg, task, l, QUIET).run();
            Map<String, double[]> log = CsvLog.read(out.resolve("log.csv"));
            double[] loss = log.get("loss");
            assertEquals(12, loss.length);
            assertTrue(loss[loss.length - 1] < 0.3 * loss[0], "loss " + loss[0] + " -> " + loss[loss.length - 1]);
            assertEquals("60", CheckpointFile.read(r.checkpoint()).metadata().get("step"));
            assertEquals(List.of("started toy 0/60", "checkpoint 20 log.csv", "checkpoint 40 log.csv",
                    "checkpoint 60 log.csv", "finished"), rec.events);
            assertEquals(60, rec.updates);
            assertEquals(60, rec.lastDone);
            assertEquals(loss[loss.length - 1], rec.lastLoss, 1e-5 * Math.abs(loss[loss.length - 1]), "the last update's loss is the log's last row (6 digits)");
            assertFalse(Files.exists(out.resolve("loss.png")), "svg-nn draws no plots (svg-app's listener does)");
        }
    }

    @Test
    void gradientAccumulationAveragesMicroBatches(@TempDir Path out) throws Exception {
        // 2 x batch 4 accumulated == 1 x batch 8 when the loss is a mean over the batch: same data order because the
        // loader of the accumulated run serves micro-batches of the same permutation.
        TrainConfig cfg = TrainConfig.defaults(out, 1, 4, 1e-2).withAccum(2).withWarmup(0, 1e-2).withClip(0);
        ToyTask acc = new ToyTask(36, 16, 4, 1, 0);
        try (Loader l = new Loader(new ToyData(40, 6), 4, 0, Views.single((i, r) -> i), 0, 0)) {
            new Trainer(cfg, new NoNoise(acc), l, QUIET).run();
        }
        ToyTask one = new ToyTask(36, 16, 4, 1, 0);
        TrainConfig cfg1 = TrainConfig.defaults(out.resolve("b"), 1, 8, 1e-2).withWarmup(0, 1e-2).withClip(0);
        try (Loader l = new Loader(new ToyData(40, 6), 8, 0, Views.single((i, r) -> i), 0, 0)) {
            new Trainer(cfg1, new NoNoise(one), l, QUIET).run();
        }
        float[] a = acc.params.get("fc1.weight").toArray(), b = one.params.get("fc1.weight").toArray();
        for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-6);
    }

    /** The toy task without input noise, so different batch splits see the same inputs. */
    private record NoNoise(ToyTask t) implements TrainTask {
        @Override public String name() { return "toy"; }
        @Override public Map<String, svg.tensor.Tensor> parameters() { return t.params; }
        @Override public StepOutput forward(Batch b, Rng rng, long step) {
            svg.tensor.Tensor x = b.images().reshape(b.size(), -1);
            float[] oh = new float[b.size() * 4];
            for (int i = 0; i < b.size(); i++) oh[i * 4 + b.labels()[i]] = 1;
            return new StepOutput(t.logits(x, t.params).logSoftmax(-1).mul(svg.tensor.Tensor.of(oh, b.size(), 4)).sum().mul(-1f / b.size()));
        }
    }

    @Test
    void nanLossStopsAndKeepsLastGoodCheckpoint(@TempDir Path out) throws Exception {
        TrainConfig cfg = TrainConfig.defaults(out, 30, 8, 1e-2).withCheckpointEvery(5);
        ToyTask inner = new ToyTask(36, 16, 4, 1, 0);
        TrainTask poisoned = new TrainTask() {
            @Override public String name() { return "toy"; }
            @Override public Map<String, svg.tensor.Tensor> parameters() { return inner.params; }
            @Override public StepOutput forward(Batch b, Rng rng, long step) {
                StepOutput o = inner.forward(b, rng, step);
                return step == 12 ? new StepOutput(o.loss().mul(Float.NaN)) : o;
            }
        };
        try (Loader l = new Loader(new ToyData(40, 6), 8, 0, Views.single((i, r) -> i), 0, 0)) {
            TrainingDiverged e = assertThrows(TrainingDiverged.class, () -> new Trainer(cfg, poisoned, l, QUIET).run());
            assertTrue(e.getMessage().contains("step 13") && e.getMessage().contains("NaN") && e.getMessage().contains("step 10"), e.getMessage());
        }
        assertEquals("10", CheckpointFile.read(out.resolve(Trainer.CHECKPOINT)).metadata().get("step"));
        assertFalse(Files.exists(out.resolve(Trainer.CHECKPOINT + ".tmp")));
    }
}
