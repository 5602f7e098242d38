package svg.nn.train;

import svg.nn.data.Batch;
import svg.nn.data.Loader;
import svg.nn.optim.Adam;
import svg.nn.optim.GradClip;
import svg.nn.optim.LrSchedule;
import svg.nn.optim.Optimizer;
import svg.nn.optim.Params;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The training loop shared by every trainer: AdamW + warm-up/cosine LR + global-norm clipping + gradient
 * accumulation, atomic checkpoints, exact resume, NaN/Inf guard, CSV log; progress goes to the config's
 * {@link TrainListener} (the CLI's draws the progress line and the loss curve).
 *
 * <p>Exact resume: everything an update depends on is either in the checkpoint (parameters, optimiser moments and
 * step count, the task's extra state such as EMA weights, the trainer RNG state) or a pure function of the step
 * (the loader's batch), so a run resumed from step s is bit-identical to an uninterrupted run.
 *
 * <p>The kill-and-resume tests need a process that is certainly alive between two given steps, however fast the steps
 * are: with the system property {@value #PAUSE_PROPERTY} = N the trainer finishes update N (and its checkpoint, if
 * one is due), prints {@value #PAUSED} N, and waits to be killed.
 */
public final class Trainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    /** Test hook: pause for good after this update (see the class comment). */
    public static final String PAUSE_PROPERTY = "svg.train.pauseAfterStep";
    /** What the trainer prints when it pauses, followed by the step. */
    public static final String PAUSED = "paused for a kill test after step";

    private final TrainConfig cfg;
    private final TrainTask task;
    private final Loader loader;
    private final PrintStream log;
    private long stopAfter = Long.MAX_VALUE;
    private TrainSync sync = TrainSync.NONE;

    public Trainer(TrainConfig cfg, TrainTask task, Loader loader, PrintStream log) {
        this.cfg = cfg;
        this.task = task;
        this.loader = loader;
        this.log = log;
    }

    /** The outcome of {@link #run()}. */
    public record Result(long steps, Map<String, Double> lastLogs, double seconds, Path checkpoint) {}

    /**
     * Ends the run after update {@code step} (with a checkpoint), on the schedule of the config's full step count: a
     * prefix of the full run, bit-identical to it up to there, which {@code --resume} continues.
     */
    public Trainer stopAfter(long step) {
        if (step <= 0) throw new IllegalArgumentException("stop step must be positive, got " + step);
        stopAfter = step;
        return this;
    }

    /** Runs as one replica of data-parallel training (see {@link TrainSync}); the default is one process. */
    public Trainer sync(TrainSync s) {
        sync = s == null ? TrainSync.NONE : s;
        return this;
    }

    public Result run() throws IOException {
        Files.createDirectories(cfg.out());
        Path ckpt = cfg.out().resolve(CHECKPOINT);
        Map<String, Tensor> params = task.parameters();
        Optimizer opt = new Adam(params, Adam.Config.adamW(cfg.weightDecay()), task::decays);
        LrSchedule sched = LrSchedule.named(cfg.schedule(), cfg.lr(), cfg.warmup(), cfg.steps(), cfg.minLr());
        Rng rng = new Rng(cfg.seed() ^ 0x7F4A7C15L);
        long start = 0;
        double elapsedBefore = 0;
        if (cfg.resume() && Files.exists(ckpt)) {
            CheckpointFile c = CheckpointFile.read(ckpt);
            String t = c.metadata().get("task");
            if (!task.name().equals(t)) throw new IllegalArgumentException(ckpt + " is a '" + t + "' checkpoint, not '" + task.name() + "'");
            start = Long.parseLong(c.metadata().get("step"));
            Params.assign(params, c.group("model."));
            opt.load(c.group("optim."), Long.parseLong(c.metadata().get("optimizer_steps")));
            task.loadState(c.group("state."));
            String[] r = c.metadata().get("rng").split(",");
            rng.setState(new long[]{Long.parseLong(r[0]), Long.parseLong(r[1]), Long.parseLong(r[2])});
            elapsedBefore = Double.parseDouble(c.metadata().getOrDefault("elapsed_s", "0"));
            log.printf(Locale.ROOT, "resuming %s from %s at step %d/%d%n", task.name(), ckpt, start, cfg.steps());
        } else if (!cfg.resume() && Files.exists(ckpt) && sync.writer()) {
            log.printf("note: starting fresh; overwriting %s (pass --resume to continue it)%n", ckpt);
        }
        CsvLog csv = sync.writer() ? new CsvLog(cfg.out().resolve("log.csv"), start) : null;
        loader.seek(start * cfg.accum());
        TrainListener listener = cfg.listener();
        listener.started(task.name(), start, cfg.steps());
        long t0 = System.nanoTime();
        Map<String, Double> last = new LinkedHashMap<>();
        long lastCkptStep = start;
        long pauseAfter = Long.getLong(PAUSE_PROPERTY, -1);
        long end = Math.min(cfg.steps(), stopAfter);
        for (long step = start; step < end; step++) {
            Params.zeroGrad(params);
            Map<String, Double> sums = new LinkedHashMap<>();
            Batch b = null;
            for (int a = 0; a < cfg.accum(); a++) {
                b = loader.next();
                StepOutput o = task.forward(b, rng, step);
                double lv = o.reported();
                if (!Double.isFinite(o.loss().item())) throw diverged(step, "loss is " + o.loss().item(), lastCkptStep, ckpt);
                if (!Double.isFinite(lv)) throw diverged(step, "loss is " + lv, lastCkptStep, ckpt);
                (cfg.accum() == 1 ? o.loss() : o.loss().mul(1f / cfg.accum())).backward();
                sums.merge("loss", lv / cfg.accum(), Double::sum);
                for (var e : o.logs().entrySet()) sums.merge(e.getKey(), e.getValue() / cfg.accum(), Double::sum);
            }
            sync.gradients(params, sums, step);
            double norm = GradClip.globalNorm(params);
            if (!Double.isFinite(norm)) throw diverged(step, "gradient norm is " + norm, lastCkptStep, ckpt);
            double lr = sched.at(step);
            opt.step(lr, GradClip.factor(norm, cfg.clipNorm()));
            Params.zeroGrad(params);
            task.afterUpdate(b, rng, step);
            sync.updated(params, task.state(), step);
            long done = step + 1;
            double secs = (System.nanoTime() - t0) / 1e9;
            double sps = (done - start) * (double) cfg.batchSize() * cfg.accum() / Math.max(1e-9, secs);
            if (done % cfg.logEvery() == 0 || done == end) {
                Map<String, Double> row = new LinkedHashMap<>(sums);
                row.put("lr", lr);
                row.put("grad_norm", norm);
                row.put("samples_per_s", sps);
                row.put("elapsed_s", elapsedBefore + secs);
                if (csv != null) csv.append(done, row);
                last = row;
            }
            listener.updated(done, sums, sps);
            if (sync.writer() && (done % cfg.checkpointEvery() == 0 || done == end)) {
                save(ckpt, opt, rng, done, elapsedBefore + secs);
                lastCkptStep = done;
                listener.checkpointed(done, csv.file());
            }
            if (done == pauseAfter) pauseForever(done);
        }
        listener.finished();
        double total = elapsedBefore + (System.nanoTime() - t0) / 1e9;
        return new Result(Math.max(start, end), last, total, ckpt);
    }

    private void pauseForever(long step) {
        log.printf(Locale.ROOT, "%s %s %d%n", task.name(), PAUSED, step);
        log.flush();
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(task.name() + " interrupted while " + PAUSED + " " + step);
            }
        }
    }

    private TrainingDiverged diverged(long step, String what, long ckptStep, Path ckpt) {
        return new TrainingDiverged(String.format(Locale.ROOT,
                "training diverged at step %d: %s. Stopped without writing a checkpoint; the last good one is %s (step %d)."
                        + " Lower --lr or raise --warmup, then continue with --resume.", step + 1, what, Files.exists(ckpt) ? ckpt : "(none yet)", ckptStep));
    }

    private void save(Path ckpt, Optimizer opt, Rng rng, long step, double elapsed) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        task.parameters().forEach((k, v) -> all.put("model." + k, v));
        opt.state().forEach((k, v) -> all.put("optim." + k, v));
        task.state().forEach((k, v) -> all.put("state." + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "svg-jvm-checkpoint");
        meta.put("task", task.name());
        meta.put("step", Long.toString(step));
        meta.put("optimizer_steps", Long.toString(opt.steps()));
        long[] r = rng.state();
        meta.put("rng", r[0] + "," + r[1] + "," + r[2]);
        meta.put("elapsed_s", Double.toString(elapsed));
        meta.put("train_config", svg.tensor.io.Json.writeCompact(configMap()));
        meta.putAll(new java.util.TreeMap<>(task.metadata())); // sorted: tasks return Map.of, whose order varies per JVM
        new CheckpointFile(all, meta).writeAtomically(ckpt);
    }

    private Map<String, Object> configMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", cfg.steps());
        m.put("batch_size", cfg.batchSize());
        m.put("accum", cfg.accum());
        m.put("lr", cfg.lr());
        m.put("schedule", cfg.schedule());
        m.put("warmup", cfg.warmup());
        m.put("min_lr", cfg.minLr());
        m.put("weight_decay", cfg.weightDecay());
        m.put("clip_norm", cfg.clipNorm());
        m.put("seed", cfg.seed());
        return m;
    }
}
