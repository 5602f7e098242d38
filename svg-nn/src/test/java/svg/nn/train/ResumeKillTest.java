package svg.nn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills a real training process with SIGKILL after it has written a checkpoint, resumes it, and checks that the
 * final weights, optimiser state and EMA are bit-identical to an uninterrupted run with the same seed.
 */
class ResumeKillTest {
    static final long STEPS = 30;

    private static Process child(Path out, long sleepMs, boolean resume) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dsvg.")) cmd.add(arg);
        // the parent's backend and thread settings (surefire may set them as system properties, not JVM arguments)
        for (String k : new String[]{"svg.backend", "svg.threads"})
            if (System.getProperty(k) != null) cmd.add("-D" + k + "=" + System.getProperty(k));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ToyTrainMain.class.getName());
        cmd.add(out.toString());
        cmd.add(Long.toString(STEPS));
        cmd.add("5");
        cmd.add(Long.toString(sleepMs));
        cmd.add(Boolean.toString(resume));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolveSibling(out.getFileName() + "-" + resume + ".txt").toFile()).start();
    }

    @Test
    void killedAndResumedRunMatchesUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("straight"), b = tmp.resolve("killed");
        Files.createDirectories(a);
        Files.createDirectories(b);
        // the reference run is a child JVM too, so both runs see exactly the same JVM settings
        Process straight = child(a, 0, false);
        assertTrue(straight.waitFor(120, TimeUnit.SECONDS), "uninterrupted child timed out");
        assertEquals(0, straight.exitValue(), Files.readString(tmp.resolve("straight-false.txt")));

        Process p = child(b, 60, false);
        Path ckpt = b.resolve(Trainer.CHECKPOINT);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long step = 0;
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(ckpt)) {
                try {
                    step = Long.parseLong(CheckpointFile.read(ckpt).metadata().get("step"));
                } catch (Exception e) { step = 0; }
                if (step >= 10) break;
            }
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "child finished before it could be killed (log: " + Files.readString(tmp.resolve("killed-false.txt")) + ")");
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), "the child must have died from the kill");
        long killedAt = Long.parseLong(CheckpointFile.read(ckpt).metadata().get("step"));
        assertTrue(killedAt >= 10 && killedAt < STEPS, "killed mid-way, checkpoint step " + killedAt);

        Process r = child(b, 0, true);
        assertTrue(r.waitFor(120, TimeUnit.SECONDS), "resumed child timed out");
        String rlog = Files.readString(tmp.resolve("killed-true.txt"));
        assertEquals(0, r.exitValue(), rlog);
        assertTrue(rlog.contains("resuming toy"), rlog);

        CheckpointFile ca = CheckpointFile.read(a.resolve(Trainer.CHECKPOINT)), cb = CheckpointFile.read(ckpt);
        assertEquals(Long.toString(STEPS), cb.metadata().get("step"));
        assertEquals(ca.tensors().keySet(), cb.tensors().keySet());
        for (Map.Entry<String, Tensor> e : ca.tensors().entrySet())
            assertArrayEquals(e.getValue().toArray(), cb.tensors().get(e.getKey()).toArray(), "tensor " + e.getKey() + " differs after resume");
        assertEquals(ca.metadata().get("rng"), cb.metadata().get("rng"));
        // the log describes one run: one row per step, no duplicates from the killed attempt
        Map<String, double[]> log = CsvLog.read(b.resolve("log.csv"));
        assertEquals(STEPS, log.get("step").length);
        assertArrayEquals(CsvLog.read(a.resolve("log.csv")).get("loss"), log.get("loss"));
        assertTrue(Files.size(b.resolve("loss.png")) > 0);
    }
}
