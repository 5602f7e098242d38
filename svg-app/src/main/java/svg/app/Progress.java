package svg.app;

import svg.nn.pipeline.ProgressListener;

/** A progress bar fed by the pipeline's progress reports (created on the first report, when the total is known). */
public final class Progress implements ProgressListener, AutoCloseable {
    private final String label;
    private final boolean quiet;
    private ProgressBar bar;
    private int last;

    public Progress(String label, boolean quiet) {
        this.label = label;
        this.quiet = quiet;
    }

    @Override
    public void onProgress(String phase, int done, int total) {
        if (quiet) return;
        if (bar == null) bar = new ProgressBar(label, total);
        bar.message(phase);
        bar.step(done - last);
        last = done;
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
