package svg.app.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import svg.app.SvgCommand;
import svg.nn.pipeline.ModelManifest;
import svg.nn.train.CheckpointFile;
import svg.nn.train.eval.PixelClassifier;
import svg.nn.train.vae.KlVae;
import svg.nn.train.vae.VaeDitModel;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The KL-VAE baseline through the CLI on a tiny synthetic data set: {@code train vae} with the SVG autoencoder's
 * decoder and loss recipe (perceptual from a frozen SSL encoder, PatchGAN), {@code train dit --vae}, its model
 * directory, {@code eval fd --vae / --model} and {@code eval probe --latent}, and the error messages.
 */
class VaeBaselineCommandsTest {
    /** What a command printed (picocli's out, or System.out for the commands that print there), its err and exit code. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() { return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err; }
    }

    /** For commands printing to picocli's out (eval fd). */
    static Run run(String... args) {
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    /** For commands printing to System.out (train, eval probe): it is swapped for the run. */
    static Run runSystemOut(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream sys = new ByteArrayOutputStream();
        System.setOut(new PrintStream(sys, true, StandardCharsets.UTF_8));
        Run r;
        try {
            r = run(args);
        } finally {
            System.setOut(old);
        }
        return new Run(r.exit(), sys.toString(StandardCharsets.UTF_8), r.err());
    }

    static String ok(Run r, String... args) {
        assertEquals(0, r.exit(), String.join(" ", args) + "\n" + r);
        return r.out();
    }

    static String ok(String... args) { return ok(runSystemOut(args), args); }

    static String okFd(String... args) { return ok(run(args), args); }

    static void assertError(int exit, String fragment, String... args) {
        Run r = run(args);
        assertEquals(exit, r.exit(), r.toString());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in\n" + r);
    }

    private static void idx(Path p, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(data);
        Files.write(p, bo.toByteArray());
    }

    /** 60 28x28 images per split: class k (of 10) is a bright bar at row 2k + 4, plus a random speckle (full-rank FD covariances). */
    private static Path data(Path dir) throws IOException {
        java.util.Random r = new java.util.Random(3);
        for (String split : new String[]{"train", "t10k"}) {
            int n = 60;
            byte[] px = new byte[n * 784], lb = new byte[n];
            for (int i = 0; i < n; i++) {
                lb[i] = (byte) (i % 10);
                for (int x = 4; x < 24; x++) px[i * 784 + (2 * (i % 10) + 4) * 28 + x] = (byte) 220;
                for (int k = 0; k < 40; k++) px[i * 784 + r.nextInt(784)] = (byte) r.nextInt(256);
            }
            idx(dir.resolve(split + "-images-idx3-ubyte"), new int[]{n, 28, 28}, px);
            idx(dir.resolve(split + "-labels-idx1-ubyte"), new int[]{n}, lb);
        }
        return dir;
    }

    /** The accuracies `svg eval probe` printed (without timings). */
    private static List<String> accuracies(String out) {
        List<String> a = new java.util.ArrayList<>();
        Matcher m = Pattern.compile("(linear probe|kNN-\\d+): [0-9.]+%").matcher(out);
        while (m.find()) a.add(m.group());
        assertEquals(2, a.size(), out);
        return a;
    }

    /** The FD values printed on the "scored:" and "floor:" lines. */
    private static List<Double> fds(String out) {
        List<Double> v = new java.util.ArrayList<>();
        Matcher m = Pattern.compile("FD\\s+([0-9.]+)  \\(mean term").matcher(out);
        while (m.find()) v.add(Double.parseDouble(m.group(1)));
        return v;
    }

    @Test
    void vaeThenDitThenEvaluation(@TempDir Path tmp) throws Exception {
        String d = data(Files.createDirectories(tmp.resolve("data"))).toString();
        String ssl = tmp.resolve("ssl").toString(), vae = tmp.resolve("vae").toString(), dit = tmp.resolve("dit").toString();
        String common = "--batch 4 --log-every 1 --no-progress --threads 1 --data " + d;
        ok(("train ssl --out " + ssl + " " + common + " --steps 1 --patch 8 --dim 16 --depth 1 --heads 1 --local-crops 1 --prototypes 16").split(" "));

        // the SVG autoencoder's decoder (8x8 grid -> 32 px, two upsamplings) and loss recipe, GAN from step 1
        String vaeArgs = "train vae --out " + vae + " " + common + " --patch 4 --hidden 16 --depth 1 --heads 1 --z-channels 4 --decoder-ch 32"
                + " --ch-mult 1,1,2 --res-blocks 1 --ssl " + ssl + " --perceptual 0.5 --disc-start 1 --checkpoint-every 1";
        String out = ok((vaeArgs + " --steps 2").split(" "));
        assertTrue(out.contains("latent 4 x 8x8"), out);
        assertTrue(out.contains("encoder-features") && out.contains("patchgan from step 1"), out);
        String log = Files.readString(Path.of(vae, "log.csv"));
        assertTrue(log.contains("loss_perceptual") && log.contains("loss_kl") && log.contains("adaptive_weight"), log);
        assertTrue(Files.size(Path.of(vae, "reconstructions.png")) > 0);
        String cfg = Files.readString(Path.of(vae, "vae_config.json"));
        assertTrue(cfg.contains("\"patch_size\": 4") && cfg.contains("\"num_res_blocks\": 1"), cfg);
        KlVae net = StageFiles.loadVae(Path.of(vae));
        assertEquals(8, net.grid);
        try (var g = GradMode.noGrad()) {
            Tensor mean = net.encodeMean01(Tensor.rand(new Rng(1), 0f, 1f, 2, 3, 32, 32));
            assertArrayEquals(new int[]{2, 4, 8, 8}, mean.shape());
            assertArrayEquals(new int[]{2, 3, 32, 32}, net.decode(mean).shape());
        }
        // resumable, the discriminator and its optimiser included
        out = ok((vaeArgs + " --steps 3 --resume").split(" "));
        assertTrue(out.contains("vae: 3 steps") || out.contains("3 steps"), out);

        ok(("train dit --vae " + vae + " --out " + dit + " " + common + " --steps 2 --hidden 32 --depth 1 --heads 2 --encode-limit 20 --sample-steps 2").split(" "));
        assertTrue(Files.size(Path.of(dit, "samples.png")) > 0);
        Path modelDir = Path.of(dit, "model");
        assertTrue(Files.readString(modelDir.resolve(ModelManifest.FILE)).contains(VaeDitModel.FORMAT));
        assertEquals(VaeDitModel.FORMAT, VaeDitModel.format(modelDir));
        VaeDitModel m = VaeDitModel.load(modelDir);
        assertEquals(10, m.numClasses());
        assertEquals(32, m.outputSize());
        int[] ids = {0, 3, 7};
        Tensor a = m.generate(ids, null, 7, 2, null), b = m.generate(ids, null, 7, 3, null), c = m.generate(ids, null, 8, 3, null);
        assertArrayEquals(new int[]{3, 3, 32, 32}, a.shape());
        assertArrayEquals(a.toArray(), b.toArray(), "same seed, same images, whatever the batch size");
        assertFalse(java.util.Arrays.equals(a.toArray(), c.toArray()), "another seed, other images");
        for (float v : a.toArray()) assertTrue(v >= 0f && v <= 1f, "pixel " + v);
        // the DiT was trained on posterior means: the model encodes exactly as the (resumed) VAE stage does
        Tensor x = Tensor.rand(new Rng(2), 0f, 1f, 2, 3, 32, 32);
        try (var g = GradMode.noGrad()) {
            assertArrayEquals(StageFiles.loadVae(Path.of(vae)).encodeMean01(x).toArray(), m.encode(x).toArray());
        }

        // FD of the VAE's reconstructions and of the VAE-DiT's samples, with a (random) classifier
        Path clf = tmp.resolve("classifier.safetensors");
        new CheckpointFile(new PixelClassifier(10, new Rng(5)).parameters(), Map.of("model", "svg-pixel-classifier")).writeAtomically(clf);
        out = okFd("eval", "fd", "--vae", vae, "--classifier", clf.toString(), "--n", "2", "--data", d, "--threads", "1");
        assertTrue(out.contains("20 reconstructions of the floor-set images") && out.contains("reconstruction PSNR: "), out);
        assertEquals(2, fds(out).size(), out);
        out = okFd("eval", "fd", "--model", modelDir.toString(), "--classifier", clf.toString(), "--n", "2", "--steps", "2", "--cfg", "1.5",
                "--sampler", "heun", "--data", d, "--threads", "1");
        assertTrue(out.contains("20 samples (2 per class, 2 heun steps, cfg 1.5 (constant), shift 0.15, seed 1)"), out);
        List<Double> fd = fds(out);
        assertEquals(2, fd.size(), out);
        assertTrue(fd.get(0) > 0, out);

        // probes on the posterior-mean latents: the VAE stage and the model built on it give the same features
        String fromVae = ok("eval", "probe", "--latent", vae, "--data", d, "--k", "3", "--epochs", "3", "--threads", "1");
        assertTrue(fromVae.contains("posterior-mean latents of the VAE") && fromVae.contains("256-d features of 60 train / 60 test"), fromVae);
        String fromModel = ok("eval", "probe", "--latent", modelDir.toString(), "--data", d, "--k", "3", "--epochs", "3", "--threads", "1");
        assertEquals(accuracies(fromVae), accuracies(fromModel));

        // a dir that is not a VAE output, and --vae with --autoencoder
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertError(1, "no vae_config.json in " + empty, "train", "dit", "--vae", empty.toString(), "--out", tmp.resolve("o").toString(), "--data", d);
        assertError(1, "no vae_config.json in " + empty, "eval", "fd", "--vae", empty.toString(), "--classifier", clf.toString(), "--data", d);
        assertError(2, "mutually exclusive", "train", "dit", "--vae", vae, "--autoencoder", vae, "--out", tmp.resolve("o").toString());
        assertError(1, "--vae scores a VAE's reconstructions on its own", "eval", "fd", "--vae", vae, "--model", modelDir.toString());
        assertError(1, "holds none of model.json", "eval", "probe", "--latent", empty.toString(), "--data", d);
    }

    @Test
    void badVaeSettingsGiveClearErrors(@TempDir Path tmp) throws IOException {
        String d = data(Files.createDirectories(tmp.resolve("data"))).toString(), o = tmp.resolve("o").toString();
        assertError(1, "--ch-mult needs 3 levels for patch 4", "train", "vae", "--out", o, "--patch", "4", "--ch-mult", "1,2", "--data", d);
        assertError(1, "--patch must be a power of 2", "train", "vae", "--out", o, "--patch", "6", "--data", d);
        assertError(1, "multiple of 32", "train", "vae", "--out", o, "--patch", "4", "--decoder-ch", "48", "--data", d);
        assertError(1, "ssl_config.json", "train", "vae", "--out", o, "--ssl", tmp.toString(), "--data", d);
        // no vae.safetensors yet: the stage has not finished
        StageFiles.saveVaeConfig(Path.of(o), new svg.nn.train.vae.VaeConfig(32, 4, 16, 1, 1, 4,
                new svg.nn.decoder.DecoderConfig(32, 3, new int[]{1, 1, 2}, 0, new int[0], 0.0, 32, 4, 3, true)));
        assertError(1, "has not finished", "eval", "probe", "--latent", o, "--data", d);
    }
}
