package svg.nn.train;

import java.nio.file.Path;

/**
 * Generic optimisation settings shared by all trainers.
 *
 * @param out             output directory (checkpoint, log.csv)
 * @param steps           total optimiser updates
 * @param batchSize       images per micro-batch
 * @param accum           micro-batches per update (gradient accumulation; the loss is averaged)
 * @param lr              peak learning rate
 * @param schedule        "cosine" or "constant" (both with linear warm-up)
 * @param warmup          warm-up updates
 * @param minLr           final LR of the cosine schedule
 * @param weightDecay     AdamW decoupled weight decay
 * @param clipNorm        max global gradient norm (0 = no clipping)
 * @param seed            seed for data order, augmentation and the trainer's RNG
 * @param checkpointEvery updates between checkpoints (the last update always writes one)
 * @param logEvery        updates between CSV rows
 * @param workers         data-loader threads
 * @param resume          continue from out/checkpoint.safetensors if present
 * @param listener        told of the run's progress (start, every update, checkpoints, end); null means
 *                        {@link TrainListener#NONE}
 */
public record TrainConfig(Path out, long steps, int batchSize, int accum, double lr, String schedule, long warmup,
                          double minLr, double weightDecay, double clipNorm, long seed, int checkpointEvery,
                          int logEvery, int workers, boolean resume, TrainListener listener) {
    public TrainConfig {
        if (listener == null) listener = TrainListener.NONE;
        if (steps <= 0) throw new IllegalArgumentException("steps must be positive, got " + steps);
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (accum <= 0) throw new IllegalArgumentException("accumulation steps must be positive, got " + accum);
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
        if (checkpointEvery <= 0) throw new IllegalArgumentException("checkpoint interval must be positive");
        if (logEvery <= 0) throw new IllegalArgumentException("log interval must be positive");
    }

    public static TrainConfig defaults(Path out, long steps, int batchSize, double lr) {
        return new TrainConfig(out, steps, batchSize, 1, lr, "cosine", Math.min(100, steps / 10), lr * 0.1, 0.0, 1.0,
                0, 100, 10, 1, false, TrainListener.NONE);
    }

    public TrainConfig withSeed(long s) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, weightDecay, clipNorm, s, checkpointEvery, logEvery, workers, resume, listener); }

    public TrainConfig withResume(boolean r) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, weightDecay, clipNorm, seed, checkpointEvery, logEvery, workers, r, listener); }

    public TrainConfig withCheckpointEvery(int n) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, weightDecay, clipNorm, seed, n, logEvery, workers, resume, listener); }

    public TrainConfig withLogEvery(int n) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, weightDecay, clipNorm, seed, checkpointEvery, n, workers, resume, listener); }

    public TrainConfig withWeightDecay(double wd) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, wd, clipNorm, seed, checkpointEvery, logEvery, workers, resume, listener); }

    public TrainConfig withWarmup(long w, double min) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, w, min, weightDecay, clipNorm, seed, checkpointEvery, logEvery, workers, resume, listener); }

    public TrainConfig withAccum(int a) { return new TrainConfig(out, steps, batchSize, a, lr, schedule, warmup, minLr, weightDecay, clipNorm, seed, checkpointEvery, logEvery, workers, resume, listener); }

    public TrainConfig withSchedule(String s) { return new TrainConfig(out, steps, batchSize, accum, lr, s, warmup, minLr, weightDecay, clipNorm, seed, checkpointEvery, logEvery, workers, resume, listener); }

    public TrainConfig withClip(double c) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, weightDecay, c, seed, checkpointEvery, logEvery, workers, resume, listener); }

    public TrainConfig withWorkers(int w) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, weightDecay, clipNorm, seed, checkpointEvery, logEvery, w, resume, listener); }

    public TrainConfig withListener(TrainListener l) { return new TrainConfig(out, steps, batchSize, accum, lr, schedule, warmup, minLr, weightDecay, clipNorm, seed, checkpointEvery, logEvery, workers, resume, l); }
}
