package svg.nn.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a training run reports while it goes ({@link TrainConfig#listener()}), like
 * {@link svg.nn.pipeline.ProgressListener} for generation: svg-nn draws nothing itself. The {@code svg train}
 * commands pass one that shows the progress line and redraws {@code loss.png} from the log at every checkpoint.
 * Called on the training thread; a listener must not throw.
 */
public interface TrainListener {
    /** Before the first update: the task's name, the update the run starts from (0, or where it resumes) and the total. */
    default void started(String task, long start, long total) {}

    /**
     * After update {@code done} (counted from 1): its losses averaged over the micro-batches ({@code "loss"} and the
     * task's own) and the training throughput since the run started, in samples per second.
     */
    default void updated(long done, Map<String, Double> losses, double samplesPerSecond) {}

    /** After the checkpoint of update {@code done} is written; {@code log} is the CSV log with every row so far. */
    default void checkpointed(long done, Path log) {}

    /** After the last update (not when training stops with an exception). */
    default void finished() {}

    /** Reports nothing. */
    TrainListener NONE = new TrainListener() {};
}
