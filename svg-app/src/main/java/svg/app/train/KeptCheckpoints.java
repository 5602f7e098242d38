package svg.app.train;

import svg.nn.train.TrainListener;
import svg.nn.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --keep-every N}: after every N-th update's checkpoint, a copy as OUT/checkpoints/step-NNNNNNN.safetensors,
 * so one run can be evaluated at several points of its schedule (FD against training steps) instead of training a
 * shorter run per point, whose learning-rate schedule would differ. Wraps the run's other listener.
 */
final class KeptCheckpoints implements TrainListener {
    static final String DIR = "checkpoints";
    private final TrainListener inner;
    private final Path out;
    private final long every;

    KeptCheckpoints(TrainListener inner, Path out, long every) {
        this.inner = inner;
        this.out = out;
        this.every = every;
    }

    /** The kept copy of update {@code step}'s checkpoint in run directory {@code out}. */
    static Path file(Path out, long step) {
        return out.resolve(DIR).resolve(String.format(Locale.ROOT, "step-%07d.safetensors", step));
    }

    @Override public void started(String task, long start, long total) { inner.started(task, start, total); }

    @Override public void updated(long done, Map<String, Double> losses, double samplesPerSecond) { inner.updated(done, losses, samplesPerSecond); }

    @Override
    public void checkpointed(long done, Path log) {
        inner.checkpointed(done, log);
        if (done % every != 0) return;
        try {
            Path dst = file(out, done), tmp = dst.resolveSibling(dst.getFileName() + ".tmp");
            Files.createDirectories(dst.getParent());
            // the checkpoint is complete here (written atomically before this call); copy then rename, so a kept
            // file is never torn either
            Files.copy(out.resolve(Trainer.CHECKPOINT), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // listeners must not throw: training goes on (its own checkpoint is safe), the user is told what is missing
            System.err.printf(Locale.ROOT, "warning: could not keep the checkpoint of step %d in %s: %s%n", done, out.resolve(DIR), e);
        }
    }

    @Override public void finished() { inner.finished(); }
}
