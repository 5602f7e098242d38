package svg.app.train;

import org.junit.jupiter.api.Test;
import svg.nn.train.dit.LatentShards;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import svg.app.SvgCommand;
import svg.nn.pipeline.SvgModel;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The whole CLI pipeline on a tiny synthetic IDX data set: ssl -> autoencoder -> dit -> classifier -> eval. */
class TrainCommandsTest {
    private static void idx(Path p, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(data);
        Files.write(p, bo.toByteArray());
    }

    /** 40 28x28 images per split: class k (of 10) is a bright bar at row 2k. */
    private static Path data(Path dir) throws IOException {
        for (String split : new String[]{"train", "t10k"}) {
            int n = 40;
            byte[] px = new byte[n * 784], lb = new byte[n];
            for (int i = 0; i < n; i++) {
                lb[i] = (byte) (i % 10);
                for (int x = 4; x < 24; x++) px[i * 784 + (2 * (i % 10) + 4) * 28 + x] = (byte) 220;
            }
            idx(dir.resolve(split + "-images-idx3-ubyte"), new int[]{n, 28, 28}, px);
            idx(dir.resolve(split + "-labels-idx1-ubyte"), new int[]{n}, lb);
        }
        return dir;
    }

    private static void run(String... args) {
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertEquals(0, code, String.join(" ", args) + "\n" + err);
    }

    @Test
    void tinyPipelineEndToEnd(@TempDir Path tmp) throws Exception {
        String d = data(Files.createDirectories(tmp.resolve("data"))).toString();
        String ssl = tmp.resolve("ssl").toString(), ae = tmp.resolve("ae").toString(), dit = tmp.resolve("dit").toString();
        String common = "--batch 4 --steps 2 --log-every 1 --no-progress --threads 1 --data " + d;
        run(("train ssl --out " + ssl + " " + common + " --patch 8 --dim 16 --depth 1 --heads 1 --local-crops 1 --prototypes 16").split(" "));
        assertTrue(Files.exists(Path.of(ssl, "ssl_encoder.safetensors")));
        run(("train autoencoder --ssl " + ssl + " --out " + ae + " " + common + " --residual-dim 16 --residual-depth 1 --residual-heads 1 --disc-start 1").split(" "));
        assertTrue(Files.size(Path.of(ae, "reconstructions.png")) > 0);
        String ditArgs = "--autoencoder " + ae + " --out " + dit + " " + common + " --hidden 32 --depth 1 --heads 2 --encode-limit 20 --sample-steps 2";
        run(("train dit " + ditArgs + " --checkpoint-every 1 --keep-every 1").split(" "));
        SvgModel m = SvgModel.load(Path.of(dit, "model"));
        // kept checkpoints: the last one exports to exactly the final model, the first one to another model
        assertTrue(Files.isRegularFile(KeptCheckpoints.file(Path.of(dit), 1)));
        run(("train dit " + ditArgs + " --export-checkpoint " + KeptCheckpoints.file(Path.of(dit), 2)).split(" "));
        run(("train dit " + ditArgs + " --export-checkpoint " + KeptCheckpoints.file(Path.of(dit), 1) + " --export-to " + tmp.resolve("m1")).split(" "));
        byte[] fin = Files.readAllBytes(Path.of(dit, "model", "dit.safetensors"));
        assertArrayEquals(fin, Files.readAllBytes(Path.of(dit, "model-step-2", "dit.safetensors")));
        assertFalse(java.util.Arrays.equals(fin, Files.readAllBytes(tmp.resolve("m1").resolve("dit.safetensors"))));
        assertEquals(10, SvgModel.load(tmp.resolve("m1")).numClasses());
        // --stop-after 1 of the 2-step schedule, then --resume: the same model as the uninterrupted run
        String dit2 = ditArgs.replace("--out " + dit, "--out " + tmp.resolve("dit2"));
        run(("train dit " + dit2 + " --stop-after 1").split(" "));
        assertFalse(java.util.Arrays.equals(fin, Files.readAllBytes(tmp.resolve("dit2/model/dit.safetensors"))), "stopped after step 1");
        run(("train dit " + dit2 + " --resume").split(" "));
        assertArrayEquals(fin, Files.readAllBytes(tmp.resolve("dit2/model/dit.safetensors")));
        // the same latents as two shards + an index (svg-spark's encode): --latents trains the same model
        LatentEncoder enc = LatentEncoder.open(Path.of(ae), null);
        svg.nn.data.Dataset ds = Datasets.open(Path.of(d), "fashion-mnist", false, null, true);
        java.util.List<LatentShards.Shard> shards = new java.util.ArrayList<>();
        Path lat = Files.createDirectories(tmp.resolve("latents"));
        svg.tensor.Tensor all = enc.encode(ds, 0, 20, new int[20]);
        for (int s = 0; s < 2; s++) {
            int[] labels = new int[10];
            for (int i = 0; i < 10; i++) labels[i] = ds.get(10 * s + i).label();
            LatentShards.writeShard(lat.resolve(LatentShards.shardName(s)), all.narrow(0, 10 * s, 10).contiguous(), labels, java.util.Map.of());
            shards.add(new LatentShards.Shard(LatentShards.shardName(s), 10));
        }
        LatentShards.writeIndex(lat.resolve(LatentShards.INDEX), shards, all.size(1), all.size(2), ds.classNames(), java.util.Map.of());
        String dit3 = ditArgs.replace("--out " + dit, "--out " + tmp.resolve("dit3")) + " --latents " + lat.resolve(LatentShards.INDEX);
        run(("train dit " + dit3).split(" "));
        assertArrayEquals(fin, Files.readAllBytes(tmp.resolve("dit3/model/dit.safetensors")));
        assertEquals(10, m.numClasses());
        assertEquals(32, m.outputSize());
        assertTrue(Files.size(Path.of(dit, "samples.png")) > 0);
        // resume of a finished run is a no-op that still exports
        run(("train dit --autoencoder " + ae + " --out " + dit + " " + common + " --hidden 32 --depth 1 --heads 2 --encode-limit 20 --sample-steps 2 --resume").split(" "));
        // the SVG latent probed from the autoencoder stage equals the one probed from the model built on it
        String fromAe = output("eval", "probe", "--latent", ae, "--data", d, "--k", "3", "--threads", "1");
        String fromModel = output("eval", "probe", "--latent", dit + "/model", "--data", d, "--k", "3", "--threads", "1");
        assertTrue(fromAe.contains("latents of the autoencoder") && fromAe.contains("kNN-3: "), fromAe);
        assertEquals(accuracies(fromModel), accuracies(fromAe));
        String clf = tmp.resolve("clf").toString();
        String trained = output(("train classifier --out " + clf + " " + common).split(" "));
        String classify = output("eval", "classify", "--model", dit + "/model", "--classifier", clf + "/classifier.safetensors", "--n", "1",
                "--steps", "2", "--threads", "1", "--real", "--data", d);
        // --real scores the same test images as the trainer did, per class: the overall figure must agree
        java.util.regex.Matcher t = java.util.regex.Pattern.compile("test accuracy: ([0-9.]+)").matcher(trained);
        java.util.regex.Matcher r = java.util.regex.Pattern.compile("accuracy on real test images: ([0-9.]+)%").matcher(classify);
        assertTrue(t.find() && r.find(), trained + "\n" + classify);
        assertEquals(100 * Double.parseDouble(t.group(1)), Double.parseDouble(r.group(1)), 0.051, classify);
        assertEquals(10, classify.lines().filter(l -> l.matches("  \\S+ +[0-9.]+%")).count() / 2, classify);
    }

    /** The accuracies `svg eval probe` printed (without its timings). */
    private static List<String> accuracies(String out) {
        List<String> a = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(linear probe|kNN-\\d+): [0-9.]+%").matcher(out);
        while (m.find()) a.add(m.group());
        assertEquals(2, a.size(), out);
        return a;
    }

    /** Runs a command in-process and returns what it printed on stdout. */
    private static String output(String... args) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            run(args);
        } finally {
            System.setOut(old);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void contrastiveSslThenProbes(@TempDir Path tmp) throws Exception {
        String d = data(Files.createDirectories(tmp.resolve("data"))).toString();
        String ssl = tmp.resolve("ssl").toString();
        run(("train ssl --objective contrastive --out " + ssl + " --batch 4 --steps 2 --log-every 1 --no-progress --threads 1 --data " + d
                + " --patch 8 --dim 16 --depth 1 --heads 1 --checkpoint-every 1").split(" "));
        // the bars data set is separable from pixels: both probes are exact there
        String px = output("eval", "probe", "--pixels", "--data", d, "--k", "3", "--threads", "1");
        assertTrue(px.contains("linear probe: 100.00%") && px.contains("kNN-3: 100.00%"), px);
        String enc = output("eval", "probe", "--encoder", ssl, "--data", d, "--k", "3", "--pooling", "patches", "--threads", "1");
        assertTrue(enc.contains("4x4") || enc.contains("256-d features of 40 train / 40 test"), enc);
        // before the run exports its encoder, the probe (and the autoencoder trainer) take the checkpoint's backbone
        Files.delete(Path.of(ssl, "ssl_encoder.safetensors"));
        String fromCkpt = output("eval", "probe", "--encoder", ssl, "--data", d, "--k", "3", "--pooling", "patches", "--threads", "1");
        assertEquals(accuracies(enc), accuracies(fromCkpt), "same weights, same accuracies");
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("eval", "probe", "--pixels", "--encoder", ssl));
        assertEquals(1, cl.execute("eval", "probe", "--pixels", "--random-init", "--data", d));
        assertTrue(err.toString().contains("--random-init needs --encoder"), err.toString());
        assertEquals(1, cl.execute("eval", "probe", "--encoder", ssl, "--pooling", "max", "--data", d));
        assertTrue(err.toString().contains("unknown pooling 'max'"), err.toString());
        assertEquals(1, cl.execute("train", "ssl", "--objective", "byol", "--out", tmp.resolve("x").toString(), "--data", d));
        assertTrue(err.toString().contains("--objective must be dino or contrastive"), err.toString());
    }

    @Test
    void badInputsGiveClearErrors(@TempDir Path tmp) {
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(1, cl.execute("train", "autoencoder", "--ssl", tmp.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.toString().contains("ssl_config.json"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, cl.execute("train", "classifier", "--out", tmp.resolve("c").toString(), "--data", tmp.resolve("none").toString()));
        assertTrue(err.toString().contains("no train-images-idx3-ubyte"), err.toString());
    }
}
