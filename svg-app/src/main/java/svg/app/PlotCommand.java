package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import svg.app.train.LossPlot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code svg plot}: a line chart of a CSV file's columns, so that figures in the docs (FD against training steps, say)
 * are redrawn from the numbers by one command instead of by hand. One line per y column, or, with {@code --series},
 * one line per distinct value of that column.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Draw a line chart (PNG) from the columns of a CSV file with a header row.")
public final class PlotCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CSV", description = "Comma-separated file; the first row names the columns.")
    Path csv;
    @Option(names = "--x", required = true, paramLabel = "COL", description = "Column of the x values.")
    String x;
    @Option(names = "--y", required = true, split = ",", paramLabel = "COL", description = "Column(s) of the y values, comma-separated.")
    List<String> y;
    @Option(names = "--series", paramLabel = "COL", description = "Draw one line per distinct value of this column (with one --y column).")
    String seriesColumn;
    @Option(names = "--out", required = true, paramLabel = "PNG", description = "Output image.")
    Path out;
    @Option(names = "--title", defaultValue = "", description = "Chart title.")
    String title;
    @Option(names = "--x-label", description = "x-axis label (default: the x column).")
    String xLabel;
    @Option(names = "--y-label", description = "y-axis label (default: the y column).")
    String yLabel;
    @Option(names = "--log-y", description = "Logarithmic y axis.")
    boolean logY;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(csv)) throw new CliException("CSV file not found: " + csv);
        List<String> lines = Files.readAllLines(csv).stream().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) throw new CliException(csv + " is empty: expected a header row");
        List<String> header = Arrays.stream(lines.get(0).split(",", -1)).map(String::trim).toList();
        int xi = column(header, x);
        int[] yi = y.stream().mapToInt(c -> column(header, c)).toArray();
        int si = seriesColumn == null ? -1 : column(header, seriesColumn);
        if (si >= 0 && yi.length != 1) throw new CliException("--series draws one --y column, got " + y.size());

        // series name -> (x, y) points in file order
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (int r = 1; r < lines.size(); r++) {
            String[] f = lines.get(r).split(",", -1);
            if (f.length != header.size())
                throw new CliException(csv + " line " + (r + 1) + ": " + f.length + " fields, the header has " + header.size());
            double xv = number(f[xi], csv, r, x);
            for (int k = 0; k < yi.length; k++) {
                String name = si >= 0 ? f[si].trim() : y.get(k);
                points.computeIfAbsent(name, n -> new ArrayList<>()).add(new double[]{xv, number(f[yi[k]], csv, r, y.get(k))});
            }
        }
        LossPlot plot = new LossPlot().title(title).xLabel(xLabel != null ? xLabel : x)
                .yLabel(yLabel != null ? yLabel : String.join(", ", y)).logY(logY);
        for (var e : points.entrySet()) {
            List<double[]> p = e.getValue();
            plot.add(e.getKey(), p.stream().mapToDouble(v -> v[0]).toArray(), p.stream().mapToDouble(v -> v[1]).toArray());
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        plot.save(out);
        spec.commandLine().getOut().printf("plot: %d series from %s -> %s%n", points.size(), csv, out);
        return 0;
    }

    private int column(List<String> header, String name) {
        int i = header.indexOf(name);
        if (i < 0) throw new CliException("column '" + name + "' is not in " + csv + " (columns: " + String.join(", ", header) + ")");
        return i;
    }

    private static double number(String s, Path csv, int row, String col) {
        String t = s.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("nan")) return Double.NaN; // a gap, as LossPlot draws it
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new CliException(csv + " line " + (row + 1) + ", column " + col + ": not a number: '" + t + "'");
        }
    }
}
