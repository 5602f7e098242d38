package svg.nn.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training log, one CSV row per logged step: {@code step,<column>,...}. On resume, rows after the checkpoint's
 * step (written by the interrupted run) are dropped, so the file describes exactly one run.
 */
public final class CsvLog {
    private final Path file;
    private List<String> columns;

    public CsvLog(Path file, long resumeStep) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (resumeStep <= 0 || lines.isEmpty()) {
                Files.delete(file);
            } else {
                columns = List.of(lines.get(0).split(",")).subList(1, lines.get(0).split(",").length);
                List<String> keep = new ArrayList<>();
                keep.add(lines.get(0));
                for (String l : lines.subList(1, lines.size())) {
                    String[] f = l.split(",", 2);
                    try {
                        if (Long.parseLong(f[0]) <= resumeStep) keep.add(l);
                    } catch (NumberFormatException ignored) { /* a torn last line from a killed run */ }
                }
                Files.write(file, keep, StandardCharsets.UTF_8);
            }
        }
    }

    public Path file() { return file; }

    public void append(long step, Map<String, Double> values) throws IOException {
        StringBuilder b = new StringBuilder();
        if (columns == null) {
            columns = List.copyOf(values.keySet());
            b.append("step,").append(String.join(",", columns)).append('\n');
        } else if (!columns.containsAll(values.keySet())) {
            // a value that starts mid-run (e.g. the GAN loss after its delayed start): widen the header, pad old rows
            List<String> wider = new ArrayList<>(columns);
            for (String k : values.keySet()) if (!wider.contains(k)) wider.add(k);
            String pad = ",".repeat(wider.size() - columns.size());
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            out.add("step," + String.join(",", wider));
            for (String l : lines.subList(1, lines.size())) out.add(l + pad);
            Files.write(file, out, StandardCharsets.UTF_8);
            columns = List.copyOf(wider);
        }
        b.append(step);
        for (String c : columns) {
            Double v = values.get(c);
            b.append(',').append(v == null ? "" : String.format(Locale.ROOT, "%.6g", v));
        }
        b.append('\n');
        Files.writeString(file, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Reads a log back: column name -> values, plus "step". */
    public static Map<String, double[]> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        if (lines.isEmpty()) return out;
        String[] cols = lines.get(0).split(",");
        int n = lines.size() - 1;
        for (String c : cols) out.put(c, new double[n]);
        for (int r = 0; r < n; r++) {
            String[] f = lines.get(r + 1).split(",", -1);
            for (int c = 0; c < cols.length; c++)
                out.get(cols[c])[r] = c < f.length && !f[c].isEmpty() ? Double.parseDouble(f[c]) : Double.NaN;
        }
        return out;
    }
}
