package svg.nn.train;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal line chart of loss columns against step (PNG). Each series is drawn raw (light) and as an exponential
 * moving average (dark) on a log-scaled y axis when all values are positive.
 */
public final class LossPlot {
    private LossPlot() {}

    private static final Color[] COLORS = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
            new Color(148, 103, 189), new Color(255, 127, 14), new Color(140, 86, 75)};

    public static void write(Map<String, double[]> log, List<String> series, String title, Path png) throws IOException {
        int w = 800, h = 480, left = 70, right = 20, top = 40, bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double[] steps = log.get("step");
        if (steps == null || steps.length == 0) { g.dispose(); save(img, png); return; }
        double xmin = steps[0], xmax = Math.max(steps[steps.length - 1], xmin + 1);
        double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
        for (String s : series) {
            double[] v = log.get(s);
            if (v == null) continue;
            for (double d : v) if (Double.isFinite(d)) { ymin = Math.min(ymin, d); ymax = Math.max(ymax, d); }
        }
        if (!Double.isFinite(ymin)) { ymin = 0; ymax = 1; }
        boolean logY = ymin > 0 && ymax / ymin > 20;
        final double y0 = logY ? Math.log10(ymin) : ymin, y1 = logY ? Math.log10(ymax) : (ymax > ymin ? ymax : ymin + 1);
        int pw = w - left - right, ph = h - top - bottom;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(left, top, pw, ph);
        g.drawString(title + (logY ? " (log scale)" : ""), left, top - 15);
        for (int k = 0; k <= 4; k++) {
            double fy = y0 + (y1 - y0) * k / 4;
            int py = top + ph - (int) Math.round(ph * (double) k / 4);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left + 1, py, left + pw - 1, py);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.3g", logY ? Math.pow(10, fy) : fy), 5, py + 4);
            double fx = xmin + (xmax - xmin) * k / 4;
            int px = left + (int) Math.round(pw * (double) k / 4);
            g.drawString(String.format(Locale.ROOT, "%.0f", fx), px - 10, top + ph + 18);
        }
        g.drawString("step", left + pw / 2 - 10, h - 10);
        int ci = 0;
        for (String s : series) {
            double[] v = log.get(s);
            if (v == null) continue;
            Color c = COLORS[ci % COLORS.length];
            Color light = new Color((c.getRed() + 3 * 255) / 4, (c.getGreen() + 3 * 255) / 4, (c.getBlue() + 3 * 255) / 4);
            double[] ema = new double[v.length];
            double a = Math.min(0.5, 10.0 / Math.max(10, v.length)), m = Double.NaN;
            for (int i = 0; i < v.length; i++) {
                if (Double.isFinite(v[i])) m = Double.isNaN(m) ? v[i] : (1 - a) * m + a * v[i];
                ema[i] = m;
            }
            for (int pass = 0; pass < 2; pass++) {
                double[] d = pass == 0 ? v : ema;
                g.setColor(pass == 0 ? light : c);
                g.setStroke(new BasicStroke(pass == 0 ? 1f : 2f));
                int px = -1, py = -1;
                for (int i = 0; i < d.length; i++) {
                    if (!Double.isFinite(d[i]) || (logY && d[i] <= 0)) { px = -1; continue; }
                    double yy = logY ? Math.log10(d[i]) : d[i];
                    int x = left + (int) Math.round(pw * (steps[i] - xmin) / (xmax - xmin));
                    int y = top + ph - (int) Math.round(ph * (yy - y0) / (y1 - y0));
                    y = Math.max(top, Math.min(top + ph, y));
                    if (px >= 0) g.drawLine(px, py, x, y);
                    px = x;
                    py = y;
                }
            }
            g.setColor(c);
            g.drawString(s, left + pw - 150, top + 18 + 16 * ci);
            ci++;
        }
        g.dispose();
        save(img, png);
    }

    private static void save(BufferedImage img, Path png) throws IOException {
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        ImageIO.write(img, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
