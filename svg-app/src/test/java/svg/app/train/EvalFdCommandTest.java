package svg.app.train;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import svg.app.SvgCommand;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.data.IdxDataset;
import svg.nn.data.Transform;
import svg.nn.data.Transforms;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.flow.SamplerOptions;
import svg.nn.image.ImageIo;
import svg.nn.inception.FidInceptionV3;
import svg.nn.module.Module;
import svg.nn.pipeline.LatentStats;
import svg.nn.pipeline.SvgModel;
import svg.nn.train.CheckpointFile;
import svg.nn.train.eval.PixelClassifier;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.Safetensors;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code svg eval fd} on a tiny random model with a 32 px decoder, a random classifier and a synthetic 60-image
 * Fashion-MNIST-format test set: samples, reconstructions and a PNG folder, the floor, and the error messages.
 */
class EvalFdCommandTest {
    @TempDir static Path tmp;
    static Path data, model, classifier;

    record Run(int exit, String out, String err) {
        @Override
        public String toString() { return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err; }
    }

    static Run run(String... args) {
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @BeforeAll
    static void setUp() throws IOException {
        data = Files.createDirectories(tmp.resolve("data"));
        writeTestSet(data, 60);
        model = tmp.resolve("model");
        tinyModel().save(model);
        PixelClassifier c = new PixelClassifier(10, new Rng(5));
        classifier = Files.createDirectories(model.resolve("eval")).resolve("classifier.safetensors");
        new CheckpointFile(c.parameters(), Map.of("model", "svg-pixel-classifier")).writeAtomically(classifier);
    }

    /** n 28x28 test images: class i % 10 is a bar at row 2k + 4, with a per-image random speckle so covariances are full. */
    static void writeTestSet(Path dir, int n) throws IOException {
        byte[] px = new byte[n * 784], lb = new byte[n];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
            for (int x = 4; x < 24; x++) px[i * 784 + (2 * (i % 10) + 4) * 28 + x] = (byte) 220;
            for (int k = 0; k < 40; k++) px[i * 784 + r.nextInt(784)] = (byte) r.nextInt(256);
        }
        idx(dir.resolve("t10k-images-idx3-ubyte"), new int[]{n, 28, 28}, px);
        idx(dir.resolve("t10k-labels-idx1-ubyte"), new int[]{n}, lb);
    }

    private static void idx(Path p, int[] dims, byte[] bytes) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(bytes);
        Files.write(p, bo.toByteArray());
    }

    /** 32 px in and out: DINOv3 width 32 + 4 residual channels on a 2x2 grid, a 5-level decoder (2 -> 32 px), 3 classes. */
    static SvgModel tinyModel() {
        SvgAutoencoderConfig ae = new SvgAutoencoderConfig(DinoV3Config.VITS16PLUS.withSize(32, 1, 2),
                new ResidualViTConfig(32, 16, 1, 2, 32, 64, 4),
                new DecoderConfig(32, 3, new int[]{1, 1, 1, 1, 1}, 0, new int[]{}, 0, 32, 36, 3, true), 8, 0.1, true);
        DiTConfig dit = new DiTConfig(2, 1, 36, 32, 1, 2, 4.0, 0.1, 3, true, 0, true);
        Rng r = new Rng(1);
        LatentStats stats = new LatentStats(Tensor.randn(r, 1, 1, 36).mul(0.3f), Tensor.rand(r, 0.5f, 2f, 1, 1, 36));
        return new SvgModel(randomize(new DiT(dit, null), 2), randomize(new SvgAutoencoder(ae, null), 3), stats,
                List.of("t-shirt", "trouser", "sneaker"), 32, SamplerOptions.defaults().withSteps(2).withCfg(2.0));
    }

    static <M extends Module> M randomize(M m, long seed) {
        Rng r = new Rng(seed);
        try (var g = GradMode.noGrad()) {
            for (Tensor p : m.parameters()) {
                float[] d = p.data();
                for (int i = 0; i < d.length; i++) d[i] = (float) (0.2 * r.nextGaussian());
            }
        }
        return m;
    }

    /** The FD values printed on the "scored:" and "floor:" lines, in order. */
    static List<Double> fds(String out) {
        List<Double> v = new ArrayList<>();
        Matcher m = Pattern.compile("FD\\s+([0-9.]+)  \\(mean term").matcher(out);
        while (m.find()) v.add(Double.parseDouble(m.group(1)));
        return v;
    }

    @Test
    void scoresSamplesAgainstTheSplitTestSet() {
        Run r = run("eval", "fd", "--model", model.toString(), "--n", "2", "--data", data.toString(), "--threads", "1");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("floor set 6, reference 54"), r.out());
        assertTrue(r.out().contains("FD-FMNIST"), r.out());
        assertTrue(r.out().contains("6 samples (2 per class, 2 euler steps, cfg 2.0 (constant), shift "), r.out());
        List<Double> fd = fds(r.out());
        assertEquals(2, fd.size(), r.out());
        assertTrue(fd.get(0) > 0 && fd.get(1) > 0, r.out());
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "ratio scored / floor: %.2f", fd.get(0) / fd.get(1))), r.out());
        // same seed, same numbers (and the generation batch does not matter)
        Run again = run("eval", "fd", "--model", model.toString(), "--n", "2", "--data", data.toString(), "--threads", "2", "--batch", "4");
        assertEquals(fd, fds(again.out()), again.toString());
        // the sampler options of `svg sample` apply: a guidance interval changes the samples, and the report says so
        Run interval = run("eval", "fd", "--model", model.toString(), "--n", "2", "--data", data.toString(), "--threads", "1",
                "--cfg-interval", "0.5,1");
        assertEquals(0, interval.exit(), interval.toString());
        assertTrue(interval.out().contains("interval [0.5, 1.0]"), interval.out());
        assertNotEquals(fd.get(0), fds(interval.out()).get(0), interval.out());
        assertEquals(fd.get(1), fds(interval.out()).get(1), "the floor does not depend on sampling");
    }

    @Test
    void reconstructionsOfTheFloorSetAndTheirPsnr() {
        Run r = run("eval", "fd", "--model", model.toString(), "--reconstruct", "--n", "2", "--data", data.toString(), "--threads", "1");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("6 reconstructions of the floor-set images"), r.out());
        Matcher m = Pattern.compile("reconstruction PSNR: ([0-9.]+) dB").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0, r.out());
        // the floor is the same as in the samples mode (same seed, same count)
        Run s = run("eval", "fd", "--model", model.toString(), "--n", "2", "--data", data.toString(), "--threads", "1");
        assertEquals(fds(s.out()).get(1), fds(r.out()).get(1));
    }

    @Test
    void anAutoencoderStageScoresLikeTheModelHoldingIt() throws IOException {
        // the model's autoencoder saved as an `svg train autoencoder` output: 3 x 10 of its reconstructions must score
        // exactly as the model's 10 x 3 (same floor set, same network, same [0, 1] mapping)
        Path aeDir = Files.createDirectories(tmp.resolve("ae-stage"));
        StageFiles.saveAutoencoder(aeDir, SvgModel.load(model).autoencoder());
        Run a = run("eval", "fd", "--autoencoder", aeDir.toString(), "--classifier", classifier.toString(), "--n", "3", "--data", data.toString(), "--threads", "1");
        Run m = run("eval", "fd", "--model", model.toString(), "--reconstruct", "--n", "10", "--data", data.toString(), "--threads", "1");
        assertEquals(0, a.exit(), a.toString());
        assertTrue(a.out().contains("30 reconstructions of the floor-set images"), a.out());
        assertEquals(fds(m.out()), fds(a.out()), a + "\n" + m);
        String psnr = "reconstruction PSNR: ";
        assertEquals(m.out().substring(m.out().indexOf(psnr)), a.out().substring(a.out().indexOf(psnr)));
        Run both = run("eval", "fd", "--autoencoder", aeDir.toString(), "--model", model.toString(), "--data", data.toString());
        assertEquals(1, both.exit());
        assertTrue(both.err().contains("cannot be combined"), both.toString());
    }

    @Test
    void pngsOfTheFloorSetScoreExactlyTheFloor() throws IOException {
        // rebuild the floor set the way the command does (seeded permutation of the 60 test images, first 6) as PNGs:
        // 8-bit values survive the PNG round trip, so the scored set is the floor set and both FDs are equal
        Path dir = Files.createDirectories(tmp.resolve("floor-pngs"));
        IdxDataset test = IdxDataset.fashionMnist(data, false);
        int[] perm = EvalFdCommand.permutation(60, 7);
        Transform prep = Transforms.toRgb().then(Transforms.fitTo(32, 0f));
        for (int i = 0; i < 6; i++) {
            var img = prep.apply(test.get(perm[i]).image(), new Rng(0));
            ImageIo.writePng(Tensor.of(img.data(), 3, 32, 32), dir.resolve(String.format("%02d.png", i)));
        }
        Run r = run("eval", "fd", "--images", dir.toString(), "--classifier", classifier.toString(), "--seed", "7", "--data", data.toString());
        assertEquals(0, r.exit(), r.toString());
        List<Double> fd = fds(r.out());
        assertEquals(fd.get(1), fd.get(0), r.out());
        assertTrue(r.out().contains("ratio scored / floor: 1.00"), r.out());
    }

    @Test
    void standardFidWithInceptionWeightsAlone() throws IOException {
        // random weights of the right layout (the real pytorch-fid file cannot be downloaded here): exercises loading
        // and the FID report; without a classifier only FID is computed. The fewest images the command accepts (2
        // scored, 2 + 2 real), as each costs a 299x299 InceptionV3 forward; the values are checked in svg-nn's
        // FidInceptionV3Test
        Map<String, Tensor> sd = new java.util.LinkedHashMap<>();
        Rng r = new Rng(9);
        for (var c : FidInceptionV3.layout()) {
            float b = (float) Math.sqrt(6.0 / (c.in() * c.kh() * c.kw()));
            sd.put(c.name() + ".conv.weight", Tensor.rand(r, -b, b, c.out(), c.in(), c.kh(), c.kw()));
            sd.put(c.name() + ".bn.weight", Tensor.full(1f, c.out()));
            sd.put(c.name() + ".bn.bias", Tensor.zeros(c.out()));
            sd.put(c.name() + ".bn.running_mean", Tensor.zeros(c.out()));
            sd.put(c.name() + ".bn.running_var", Tensor.full(1f, c.out()));
        }
        Path weights = tmp.resolve("pt_inception.safetensors");
        Safetensors.save(weights, sd, Map.of());
        Path dir = Files.createDirectories(tmp.resolve("pngs"));
        for (int i = 0; i < 2; i++) ImageIo.writePng(Tensor.rand(new Rng(i), 0f, 1f, 3, 32, 32), dir.resolve(i + ".png"));
        Run run = run("eval", "fd", "--images", dir.toString(), "--inception", weights.toString(), "--real-limit", "4", "--data", data.toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("FID (2048-d pool3"), run.out());
        assertFalse(run.out().contains("FD-FMNIST"), run.out());
        assertTrue(run.out().contains("floor set 2, reference 2"), run.out());
        assertEquals(2, fds(run.out()).size(), run.out());
    }

    @Test
    void badInputsGiveClearErrors() throws IOException {
        String m = model.toString(), d = data.toString();
        assertError("nothing to score", "eval", "fd");
        assertError("--n must be >= 2", "eval", "fd", "--model", m, "--n", "1", "--data", d);
        assertError("cannot be combined", "eval", "fd", "--model", m, "--images", d);
        assertError("model directory not found", "eval", "fd", "--model", tmp.resolve("none").toString());
        assertError("image folder not found", "eval", "fd", "--images", tmp.resolve("none").toString(), "--classifier", classifier.toString());
        assertError("classifier not found", "eval", "fd", "--model", m, "--classifier", tmp.resolve("none.safetensors").toString());
        assertError("real set is too small", "eval", "fd", "--model", m, "--n", "2", "--data", d, "--real-limit", "10");
        assertError("cannot read the Fashion-MNIST test set", "eval", "fd", "--model", m, "--n", "2", "--data", tmp.resolve("none").toString());
        // a model without eval/classifier.safetensors and no --classifier
        Path bare = tmp.resolve("bare");
        tinyModel().save(bare);
        assertError("no classifier for FD-FMNIST", "eval", "fd", "--model", bare.toString(), "--data", d);
        // an --inception file that is not the FID network
        Path wrong = tmp.resolve("wrong.safetensors");
        Safetensors.save(wrong, Map.of("features.0.weight", Tensor.zeros(2, 2)), Map.of());
        assertError("Conv2d_1a_3x3.conv.weight", "eval", "fd", "--model", m, "--n", "2", "--data", d, "--inception", wrong.toString());
    }

    private static void assertError(String fragment, String... args) {
        Run r = run(args);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in:\n" + r);
    }
}
