package svg.app.train;

import svg.app.ProgressBar;
import svg.nn.train.CsvLog;
import svg.nn.train.TrainListener;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code svg train} shows of a run: the progress line on stderr ({@code task [####...] 12/600 loss 0.1234
 * 85.3 samples/s}, unless {@code --no-progress}) and {@code loss.png} beside {@code log.csv}, redrawn from the log
 * at every checkpoint (every {@code loss} and {@code loss_*} column against the step).
 */
public final class TrainingProgress implements TrainListener {
    /** The loss curve's file name, written next to the log. */
    public static final String LOSS_PNG = "loss.png";

    private final boolean progressLine;
    private final PrintStream log;
    private String task = "train";
    private ProgressBar bar;

    /**
     * @param progressLine draw the progress line on stderr
     * @param log          where a failure to draw the plot is reported (the command's output)
     */
    public TrainingProgress(boolean progressLine, PrintStream log) {
        this.progressLine = progressLine;
        this.log = log;
    }

    @Override
    public void started(String task, long start, long total) {
        this.task = task;
        if (!progressLine) return;
        bar = new ProgressBar(task, total);
        // the bar counts updates from 0: advance it to the resume point first
        if (start > 0) bar.step(start);
    }

    @Override
    public void updated(long done, Map<String, Double> losses, double samplesPerSecond) {
        if (bar != null)
            bar.message(String.format(Locale.ROOT, "loss %.4f  %.1f samples/s", losses.get("loss"), samplesPerSecond)).step();
    }

    @Override
    public void checkpointed(long done, Path csvLog) {
        try {
            if (!Files.exists(csvLog)) return;
            Map<String, double[]> data = CsvLog.read(csvLog);
            LossPlot p = new LossPlot().title(task + " training loss").xLabel("step").yLabel("loss");
            for (String k : data.keySet())
                if (k.equals("loss") || k.startsWith("loss_")) p.add(k, data.get("step"), data.get(k));
            p.save(csvLog.resolveSibling(LOSS_PNG));
        } catch (IOException | RuntimeException e) {
            log.println("warning: could not draw " + LOSS_PNG + ": " + e.getMessage());
        }
    }

    @Override
    public void finished() {
        if (bar != null) bar.close();
    }
}
