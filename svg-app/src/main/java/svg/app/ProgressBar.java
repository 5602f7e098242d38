package svg.app;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A terminal progress bar on stderr: {@code label [#####.....] 12/50 3.4 it/s ETA 0:11}. On a terminal it
 * redraws one line with carriage returns (at most ~10 times a second); when stderr is not a terminal (logs, CI) it
 * prints a plain line at most every {@code quietIntervalSeconds} and a final one, so logs stay readable.
 * {@code total <= 0} means unknown: no bar or ETA, only a count and rate.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int BAR = 30;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier clock;
    private final long quietIntervalNanos;
    private final long start;
    private long done;
    private long lastDraw;
    private int lastWidth;
    private boolean closed;
    private String extra = "";

    /** A bar on System.err, interactive when a terminal is attached. */
    public ProgressBar(String label, long total) {
        this(label, total, System.err, isTerminal(), System::nanoTime, 10);
    }

    /** Everything injectable, for tests and for callers that know better (e.g. a --quiet option). */
    public ProgressBar(String label, long total, PrintStream out, boolean interactive, LongSupplier clock, double quietIntervalSeconds) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.interactive = interactive;
        this.clock = clock;
        this.quietIntervalNanos = (long) (quietIntervalSeconds * 1e9);
        this.start = clock.getAsLong();
        this.lastDraw = start;
        if (interactive) draw(start);
    }

    /** True when stderr goes to a terminal (JDK 22+: Console.isTerminal). */
    public static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** A short text shown after the counters, e.g. the current loss. */
    public synchronized ProgressBar message(String text) {
        extra = text == null ? "" : text;
        return this;
    }

    public void step() { step(1); }

    public synchronized void step(long n) {
        if (closed) return;
        done += n;
        long now = clock.getAsLong();
        boolean finished = total > 0 && done >= total;
        if (interactive) {
            if (finished || now - lastDraw >= 100_000_000L) draw(now);
        } else if (!finished && now - lastDraw >= quietIntervalNanos && now - start >= quietIntervalNanos) {
            out.println(line(now));
            lastDraw = now;
        }
    }

    public synchronized long done() { return done; }

    /** Prints the final state (once) and ends the line. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        long now = clock.getAsLong();
        if (interactive) {
            draw(now);
            out.println();
        } else {
            out.println(line(now));
        }
        out.flush();
    }

    private void draw(long now) {
        String l = line(now);
        // pad over the remains of a longer previous line
        int pad = Math.max(0, lastWidth - l.length());
        out.print("\r" + l + " ".repeat(pad));
        out.flush();
        lastWidth = l.length();
        lastDraw = now;
    }

    /** The status text; package-private for tests. */
    String line(long now) {
        double secs = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / secs;
        StringBuilder sb = new StringBuilder();
        if (!label.isEmpty()) sb.append(label).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(BAR, BAR * done / total);
            sb.append('[').append("#".repeat(filled)).append(".".repeat(BAR - filled)).append("] ");
            sb.append(done).append('/').append(total);
        } else {
            sb.append(done);
        }
        sb.append(String.format(Locale.ROOT, " %s", rate(rate)));
        if (total > 0 && done < total && done > 0) sb.append(" ETA ").append(duration((total - done) / rate));
        else if (total > 0 && done >= total) sb.append(" in ").append(duration(secs));
        if (!extra.isEmpty()) sb.append(' ').append(extra);
        return sb.toString();
    }

    private static String rate(double r) {
        if (r >= 1 || r == 0) return String.format(Locale.ROOT, "%.2f it/s", r);
        return String.format(Locale.ROOT, "%.2f s/it", 1 / r);
    }

    /** h:mm:ss or m:ss. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) return "?";
        long s = Math.round(seconds);
        long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec) : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
