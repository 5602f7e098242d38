package svg.app.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import svg.app.SvgCommand;
import svg.nn.train.CsvLog;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What {@code svg train} shows a user, now that svg-nn reports through a listener and svg-app draws: the progress
 * line on stderr (not with --no-progress), log.csv, and loss.png redrawn at every checkpoint.
 */
class TrainOutputTest {

    /** 16 28x28 images, class k a bright bar at row 2k + 4, as train-images/labels IDX files. */
    private static Path data(Path dir) throws IOException {
        Files.createDirectories(dir);
        int n = 16;
        byte[] px = new byte[n * 784], lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
            for (int x = 4; x < 24; x++) px[i * 784 + (2 * (i % 10) + 4) * 28 + x] = (byte) 220;
        }
        for (String split : new String[]{"train", "t10k"}) {
            idx(dir.resolve(split + "-images-idx3-ubyte"), new int[]{n, 28, 28}, px);
            idx(dir.resolve(split + "-labels-idx1-ubyte"), new int[]{n}, lb);
        }
        return dir;
    }

    private static void idx(Path p, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(data);
        Files.write(p, bo.toByteArray());
    }

    /** Runs {@code svg args} in-process; returns what went to System.err (where the progress line goes). */
    private static String stderrOf(String... args) {
        PrintStream old = System.err, oldOut = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = SvgCommand.newCommandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            assertEquals(0, code, String.join(" ", args) + "\n" + err);
        } finally {
            System.setErr(old);
            System.setOut(oldOut);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void progressLineLogAndLossCurve(@TempDir Path tmp) throws Exception {
        String d = data(tmp.resolve("data")).toString();
        Path out = tmp.resolve("clf");
        String err = stderrOf("train", "classifier", "--out", out.toString(), "--data", d, "--batch", "4", "--steps", "3",
                "--checkpoint-every", "2", "--log-every", "1", "--threads", "1");
        // not a terminal here: the bar prints its final state as one plain line
        assertTrue(err.lines().anyMatch(l -> l.startsWith("classifier [##############################] 3/3 ")
                && l.contains(" loss ") && l.endsWith(" samples/s")), err);
        assertEquals(3, CsvLog.read(out.resolve("log.csv")).get("step").length);
        assertTrue(Files.size(out.resolve(TrainingProgress.LOSS_PNG)) > 1000, "loss.png drawn");

        Path quiet = tmp.resolve("quiet");
        String none = stderrOf("train", "classifier", "--out", quiet.toString(), "--data", d, "--batch", "4", "--steps", "2",
                "--log-every", "1", "--threads", "1", "--no-progress");
        assertFalse(none.contains("classifier ["), none);
        assertTrue(Files.size(quiet.resolve(TrainingProgress.LOSS_PNG)) > 1000, "loss.png drawn with --no-progress too");
    }
}
