package svg.app.train;

import svg.nn.image.ImageIo;
import svg.tensor.Tensor;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart of training curves (loss against step) drawn with Java2D and saved as PNG: axes with ticks and
 * labels, a title, a legend, several series, optional log-scale y axis. Non-finite points (and non-positive ones on
 * a log axis) are skipped, breaking the line, so a diverged run still plots.
 */
public final class LossPlot {
    /** One curve: x and y of equal length. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values, " + y.length + " y values");
        }

        /** y against 0, 1, 2, ... */
        public static Series of(String name, double[] y) {
            double[] x = new double[y.length];
            for (int i = 0; i < x.length; i++) x[i] = i;
            return new Series(name, x, y);
        }
    }

    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private final List<Series> series = new ArrayList<>();
    private String title = "", xLabel = "step", yLabel = "loss";
    private boolean logY;
    private int width = 800, height = 500;

    public LossPlot title(String t) { title = t; return this; }

    public LossPlot xLabel(String l) { xLabel = l; return this; }

    public LossPlot yLabel(String l) { yLabel = l; return this; }

    public LossPlot logY(boolean on) { logY = on; return this; }

    public LossPlot size(int w, int h) {
        if (w < 200 || h < 150) throw new IllegalArgumentException("plot must be at least 200x150, got " + w + "x" + h);
        width = w;
        height = h;
        return this;
    }

    public LossPlot add(Series s) { series.add(s); return this; }

    public LossPlot add(String name, double[] x, double[] y) { return add(new Series(name, x, y)); }

    private boolean usable(double y) { return Double.isFinite(y) && (!logY || y > 0); }

    /** The chart as [3, H, W] in [0, 1], e.g. to save with {@link ImageIo#writePng}. */
    public Tensor render() { return ImageIo.fromImage(draw()); }

    public void save(Path file) throws IOException { ImageIo.writePng(render(), file); }

    BufferedImage draw() {
        double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
        for (Series s : series)
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !usable(s.y[i])) continue;
                double y = logY ? Math.log10(s.y[i]) : s.y[i];
                xmin = Math.min(xmin, s.x[i]);
                xmax = Math.max(xmax, s.x[i]);
                ymin = Math.min(ymin, y);
                ymax = Math.max(ymax, y);
            }
        boolean empty = xmin > xmax;
        if (empty) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
        if (xmax == xmin) { xmin -= 0.5; xmax += 0.5; }
        if (ymax == ymin) { ymin -= 0.5; ymax += 0.5; }
        double ypad = (ymax - ymin) * 0.05;
        ymin -= ypad;
        ymax += ypad;

        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            int left = 70, right = 20, top = title.isEmpty() ? 20 : 40, bottom = 50;
            int pw = width - left - right, ph = height - top - bottom;
            final double x0 = xmin, x1 = xmax, y0 = ymin, y1 = ymax;
            java.util.function.DoubleUnaryOperator px = x -> left + (x - x0) / (x1 - x0) * pw;
            java.util.function.DoubleUnaryOperator py = y -> top + ph - (y - y0) / (y1 - y0) * ph;

            // grid and ticks
            g.setStroke(new BasicStroke(1f));
            for (double t : ticks(xmin, xmax, 6)) {
                int x = (int) Math.round(px.applyAsDouble(t));
                g.setColor(new Color(0xe8e8e8));
                g.drawLine(x, top, x, top + ph);
                g.setColor(Color.DARK_GRAY);
                String l = format(t);
                g.drawString(l, x - fm.stringWidth(l) / 2, top + ph + fm.getAscent() + 4);
            }
            for (double t : logY ? logTicks(ymin, ymax) : ticks(ymin, ymax, 6)) {
                int y = (int) Math.round(py.applyAsDouble(t));
                g.setColor(new Color(0xe8e8e8));
                g.drawLine(left, y, left + pw, y);
                g.setColor(Color.DARK_GRAY);
                String l = logY ? format(Math.pow(10, t)) : format(t);
                g.drawString(l, left - fm.stringWidth(l) - 6, y + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, pw, ph);

            // labels
            g.drawString(xLabel, left + pw / 2 - fm.stringWidth(xLabel) / 2, height - 12);
            String yl = yLabel + (logY ? " (log scale)" : "");
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            g.drawString(yl, -(top + ph / 2) - fm.stringWidth(yl) / 2, 16);
            g.setTransform(saved);
            if (!title.isEmpty()) {
                g.setFont(font.deriveFont(Font.BOLD, 14f));
                g.drawString(title, width / 2 - g.getFontMetrics().stringWidth(title) / 2, 24);
                g.setFont(font);
            }
            if (empty) g.drawString("no data", left + pw / 2 - fm.stringWidth("no data") / 2, top + ph / 2);

            // curves, clipped to the plot area
            g.setClip(left, top, pw + 1, ph + 1);
            g.setStroke(new BasicStroke(1.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int si = 0; si < series.size(); si++) {
                Series s = series.get(si);
                g.setColor(PALETTE[si % PALETTE.length]);
                Path2D.Double path = new Path2D.Double();
                boolean pen = false;
                for (int i = 0; i < s.x.length; i++) {
                    if (!Double.isFinite(s.x[i]) || !usable(s.y[i])) { pen = false; continue; }
                    double X = px.applyAsDouble(s.x[i]), Y = py.applyAsDouble(logY ? Math.log10(s.y[i]) : s.y[i]);
                    if (pen) path.lineTo(X, Y); else path.moveTo(X, Y);
                    pen = true;
                }
                g.draw(path);
            }
            g.setClip(null);

            // legend, top right inside the plot
            if (series.size() > 1 || (series.size() == 1 && !series.get(0).name().isEmpty())) {
                int lw = 0;
                for (Series s : series) lw = Math.max(lw, fm.stringWidth(s.name()));
                int bx = left + pw - lw - 40, by = top + 8, lh = fm.getHeight();
                g.setColor(new Color(255, 255, 255, 220));
                g.fillRect(bx, by, lw + 32, lh * series.size() + 6);
                g.setColor(Color.GRAY);
                g.drawRect(bx, by, lw + 32, lh * series.size() + 6);
                for (int si = 0; si < series.size(); si++) {
                    int y = by + 3 + lh * si + lh / 2;
                    g.setColor(PALETTE[si % PALETTE.length]);
                    g.drawLine(bx + 4, y, bx + 22, y);
                    g.setColor(Color.BLACK);
                    g.drawString(series.get(si).name(), bx + 26, y + fm.getAscent() / 2 - 1);
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** "Nice" ticks (1, 2, 5 times a power of ten) inside [lo, hi]. */
    static List<Double> ticks(double lo, double hi, int target) {
        double raw = (hi - lo) / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / mag;
        double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
        List<Double> r = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) r.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        return r;
    }

    /** Ticks at powers of ten, plus 2x and 5x when the range spans fewer than three decades. */
    private static List<Double> logTicks(double lo, double hi) {
        boolean fine = hi - lo < 3;
        List<Double> r = new ArrayList<>();
        for (double e = Math.floor(lo); e <= Math.ceil(hi); e++)
            for (double m : fine ? new double[]{1, 2, 5} : new double[]{1}) {
                double t = e + Math.log10(m);
                if (t >= lo && t <= hi) r.add(t);
            }
        return r.size() >= 2 ? r : ticks(lo, hi, 5);
    }

    private static String format(double v) {
        double a = Math.abs(v);
        if (v == 0) return "0";
        if (a >= 1e5 || a < 1e-3) return String.format(Locale.ROOT, "%.0e", v);
        if (a >= 100 || v == Math.rint(v)) return String.format(Locale.ROOT, "%.0f", v);
        String s = String.format(Locale.ROOT, "%.4f", v);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
