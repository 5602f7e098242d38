package svg.app.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import svg.app.SvgCommand;
import svg.nn.train.CheckpointFile;
import svg.nn.train.CsvLog;
import svg.nn.train.Trainer;
import svg.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Exact resume of the real trainers, through the {@code svg train} commands: DINO and contrastive SSL, the
 * autoencoder (with its discriminator, the discriminator's optimiser and disc_steps, GAN on before the kill, and
 * dropout: the residual ViT's default 0.1 and the decoder's 0.1, masks from the trainer's RNG) and the DiT (EMA,
 * cached latents). Each is run uninterrupted; then one child JVM runs all four until a seeded random step
 * after a checkpoint ({@link Trainer#PAUSE_PROPERTY}) and is killed with SIGKILL ({@code destroyForcibly}); a second
 * child JVM continues all four with {@code --resume}. The final checkpoints (weights, AdamW moments, EMA / teacher /
 * centre / discriminator state, optimiser step counts, RNG), the exported files and the loss logs must equal the
 * uninterrupted runs' bit for bit.
 *
 * <p>The uninterrupted runs are in-process (same JVM flags as the children: kernels do not depend on the JIT state or
 * the thread count); one child per phase keeps JVM start-up and JIT warm-up to two, not eight.
 */
class TrainResumeKillTest {
    static final int STEPS = 8, EVERY = 3;
    /** Seed of the kill step (13: step 4; 1: step 7; 0: step 5); -Dsvg.test.killSeed=N tries another. */
    static final long KILL_SEED = Long.getLong("svg.test.killSeed", 13);

    record Run(String name, List<String> args, List<String> exports) {}

    /** 40 28x28 images per split: class k (of 10) is a bright bar at row 2k + 4. */
    static Path bars(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String split : new String[]{"train", "t10k"}) {
            int n = 40;
            byte[] px = new byte[n * 784], lb = new byte[n];
            for (int i = 0; i < n; i++) {
                lb[i] = (byte) (i % 10);
                for (int x = 4; x < 24; x++) px[i * 784 + (2 * (i % 10) + 4) * 28 + x] = (byte) (160 + 8 * (i / 10));
            }
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

    private static List<String> args(List<String> line, Path out, Path data) {
        List<String> a = new ArrayList<>(line);
        a.addAll(List.of("--out", out.toString(), "--data", data.toString(), "--batch", "4", "--steps", Integer.toString(STEPS),
                "--checkpoint-every", Integer.toString(EVERY), "--log-every", "1", "--no-progress", "--threads", "1", "--seed", "3"));
        return a;
    }

    private static void runInProcess(List<String> args) {
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute(args.toArray(String[]::new)), String.join(" ", args) + "\n" + err);
    }

    /** A child JVM with the parent's module, native-access and svg.* settings running all command lines at once. */
    private static Process child(List<List<String>> commands, Path log, String... props) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dsvg.") || arg.startsWith("-Xss"))
                cmd.add(arg);
        for (String k : new String[]{"svg.backend", "svg.threads"})
            if (System.getProperty(k) != null) cmd.add("-D" + k + "=" + System.getProperty(k));
        cmd.add("-Xmx2g");
        cmd.addAll(List.of(props));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ConcurrentCommands.class.getName());
        for (int i = 0; i < commands.size(); i++) {
            if (i > 0) cmd.add(ConcurrentCommands.SEPARATOR);
            cmd.addAll(commands.get(i));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static long count(Path log, String what) throws IOException {
        return Files.readString(log).lines().filter(l -> l.contains(what)).count();
    }

    @Test
    void killedAndResumedTrainersMatchUninterruptedRuns(@TempDir Path tmp) throws Exception {
        Path data = bars(tmp.resolve("data"));
        Path straight = tmp.resolve("straight"), killed = tmp.resolve("killed");
        // the autoencoder builds on the uninterrupted SSL encoder and the DiT on the uninterrupted autoencoder, in both runs
        Path ssl = straight.resolve("ssl-dino"), ae = straight.resolve("autoencoder");
        String vit = "--image-size 16 --patch 8 --local-size 8 --dim 16 --depth 1 --heads 1"; // 16 px: 2x2 latent tokens
        List<Run> runs = List.of(
                new Run("ssl-dino", List.of("train", "ssl", "--local-crops", "1", "--prototypes", "16"), List.of(StageFiles.SSL_WEIGHTS)),
                new Run("ssl-contrastive", List.of("train", "ssl", "--objective", "contrastive"), List.of(StageFiles.SSL_WEIGHTS)),
                new Run("autoencoder", List.of("train", "autoencoder", "--ssl", ssl.toString(), "--residual-dim", "16",
                        "--residual-depth", "1", "--residual-heads", "1", "--disc-start", "2", "--decoder-dropout", "0.1"), List.of(StageFiles.AE_WEIGHTS, "reconstructions.png")),
                new Run("dit", List.of("train", "dit", "--autoencoder", ae.toString(), "--hidden", "32", "--depth", "1", "--heads", "2",
                        "--encode-limit", "20", "--sample-steps", "2"), List.of("model/dit.safetensors", "model/stats.safetensors", "samples.png")));
        Map<String, List<String>> lines = new LinkedHashMap<>();
        for (Run r : runs) {
            List<String> a = new ArrayList<>(r.args());
            if (r.name().startsWith("ssl")) a.addAll(List.of(vit.split(" ")));
            lines.put(r.name(), a);
        }

        long t0 = System.nanoTime();
        for (Run r : runs) runInProcess(args(lines.get(r.name()), straight.resolve(r.name()), data));
        long t1 = System.nanoTime();

        // a step after the first checkpoint that is not itself a checkpoint, so the resumed runs redo lost work
        int[] candidates = java.util.stream.IntStream.range(EVERY + 1, STEPS).filter(s -> s % EVERY != 0).toArray();
        int killStep = candidates[new SplittableRandom(KILL_SEED).nextInt(candidates.length)];
        String where = "killed after step " + killStep + " of " + STEPS + " (svg.test.killSeed=" + KILL_SEED + ")";
        List<List<String>> commands = new ArrayList<>();
        for (Run r : runs) commands.add(args(lines.get(r.name()), killed.resolve(r.name()), data));
        Path killLog = tmp.resolve("killed.txt");
        Process p = child(commands, killLog, "-D" + Trainer.PAUSE_PROPERTY + "=" + killStep);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (p.isAlive() && System.nanoTime() < deadline && count(killLog, Trainer.PAUSED) < runs.size()) Thread.sleep(50);
        assertTrue(p.isAlive(), "the child ended before the kill:\n" + Files.readString(killLog));
        assertEquals(runs.size(), count(killLog, Trainer.PAUSED), "not every trainer reached step " + killStep + ":\n" + Files.readString(killLog));
        p.destroyForcibly();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), "the child must have died from the kill");
        for (Run r : runs) {
            Path dir = killed.resolve(r.name());
            assertEquals(Integer.toString(killStep / EVERY * EVERY), CheckpointFile.read(dir.resolve(Trainer.CHECKPOINT)).metadata().get("step"), r.name());
            assertEquals(killStep, CsvLog.read(dir.resolve("log.csv")).get("step").length, r.name() + ": the log has the steps after the checkpoint");
        }
        long t2 = System.nanoTime();

        List<List<String>> resumes = new ArrayList<>();
        for (List<String> c : commands) resumes.add(Stream.concat(c.stream(), Stream.of("--resume")).toList());
        Path resumeLog = tmp.resolve("resumed.txt");
        Process r = child(resumes, resumeLog);
        assertTrue(r.waitFor(300, TimeUnit.SECONDS), "resumed child timed out:\n" + Files.readString(resumeLog));
        assertEquals(0, r.exitValue(), Files.readString(resumeLog));
        assertEquals(runs.size(), count(resumeLog, "resuming "), Files.readString(resumeLog));
        long t3 = System.nanoTime();

        for (Run run : runs) assertSameRun(straight.resolve(run.name()), killed.resolve(run.name()), run, where);
        System.out.printf("TrainResumeKillTest: %s; uninterrupted %.1f s, killed child %.1f s, resumed child %.1f s%n",
                where, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    }

    private static void assertSameRun(Path a, Path b, Run run, String where) throws IOException {
        String n = run.name() + " " + where;
        CheckpointFile ca = CheckpointFile.read(a.resolve(Trainer.CHECKPOINT)), cb = CheckpointFile.read(b.resolve(Trainer.CHECKPOINT));
        assertEquals(Integer.toString(STEPS), cb.metadata().get("step"), n);
        assertEquals(ca.tensors().keySet(), cb.tensors().keySet(), n);
        for (Map.Entry<String, Tensor> e : ca.tensors().entrySet())
            assertArrayEquals(e.getValue().toArray(), cb.tensors().get(e.getKey()).toArray(), n + ": tensor " + e.getKey() + " differs after resume");
        for (String k : new String[]{"rng", "optimizer_steps", "task"})
            assertEquals(ca.metadata().get(k), cb.metadata().get(k), n + ": metadata " + k);
        // what the state must cover (a wrong resume of a missing part would otherwise pass unnoticed)
        String state = switch (run.name()) {
            case "ssl-dino" -> "state.center";
            case "autoencoder" -> "state.disc_steps";
            case "dit" -> "state.ema.y_embedder.embedding_table.weight";
            default -> "optim.exp_avg.head.mlp.0.weight";
        };
        assertTrue(ca.tensors().containsKey(state), n + ": " + state + " in " + ca.tensors().keySet());
        if (run.name().equals("autoencoder")) {
            assertTrue(ca.tensors().keySet().stream().anyMatch(k -> k.startsWith("state.disc_optim.")), n);
            assertEquals(STEPS - 2, (int) ca.tensors().get("state.disc_steps").item(), n + ": discriminator updates from --disc-start 2");
        }
        for (String f : run.exports())
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), n + ": " + f + " differs");
        Map<String, double[]> la = CsvLog.read(a.resolve("log.csv")), lb = CsvLog.read(b.resolve("log.csv"));
        assertEquals(la.keySet(), lb.keySet(), n);
        for (String k : la.keySet())
            if (!k.equals("elapsed_s") && !k.equals("samples_per_s"))
                assertArrayEquals(la.get(k), lb.get(k), n + ": log column " + k + " " + Arrays.toString(lb.get(k)));
    }
}
