package svg.nn.train;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress display: bar, step, loss, samples/s and ETA, redrawn in place on a terminal. */
public final class ProgressLine {
    private final PrintStream out;
    private final long total;
    private long lastDraw;

    public ProgressLine(PrintStream out, long total) {
        this.out = out;
        this.total = total;
    }

    public void update(long done, double loss, double samplesPerSec, double etaSeconds, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 250_000_000L) return;
        lastDraw = now;
        int width = 24, fill = (int) Math.min(width, width * done / Math.max(1, total));
        String bar = "#".repeat(fill) + ".".repeat(width - fill);
        out.print(String.format(Locale.ROOT, "\r[%s] %d/%d loss %.4f  %.1f samples/s  ETA %s ", bar, done, total, loss, samplesPerSec, duration(etaSeconds)));
        out.flush();
    }

    public void finish() { out.println(); }

    public static String duration(double s) {
        if (!Double.isFinite(s) || s < 0) return "?";
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, (t / 60) % 60) : String.format("%dm%02ds", t / 60, t % 60);
    }
}
