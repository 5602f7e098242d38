package svg.nn.train;

import svg.nn.data.Loader;
import svg.nn.data.Transforms;
import svg.nn.data.Views;

import java.nio.file.Path;

/** Child-process entry point of the kill -9 test: args = outDir steps checkpointEvery sleepMs resume(true|false). */
public final class ToyTrainMain {
    public static void main(String[] a) throws Exception {
        Path out = Path.of(a[0]);
        long steps = Long.parseLong(a[1]);
        int every = Integer.parseInt(a[2]);
        long sleep = Long.parseLong(a[3]);
        boolean resume = Boolean.parseBoolean(a[4]);
        System.out.println(run(out, steps, every, sleep, resume));
    }

    static Trainer.Result run(Path out, long steps, int every, long sleep, boolean resume) throws Exception {
        TrainConfig cfg = TrainConfig.defaults(out, steps, 8, 3e-3).withCheckpointEvery(every).withLogEvery(1)
                .withResume(resume).withWeightDecay(0.05).withSeed(7).withWorkers(2).withWarmup(3, 1e-4)
                .withListener(new ToyLossCurve());
        ToyTask task = new ToyTask(36, 16, 4, 3, sleep);
        try (Loader loader = new Loader(new ToyData(40, 6), cfg.batchSize(), cfg.seed(),
                Views.single(Transforms.randomFlip(0.5)), cfg.workers(), 2)) {
            return new Trainer(cfg, task, loader, System.out).run();
        }
    }
}
