package svg.nn.train.tasks;

import org.junit.jupiter.api.Test;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.data.Batch;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.optim.Adam;
import svg.nn.optim.Params;
import svg.nn.pipeline.LatentStats;
import svg.nn.pipeline.SvgModel;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.nn.train.autoencoder.AutoencoderLossConfig;
import svg.nn.train.autoencoder.AutoencoderTask;
import svg.nn.train.dit.DitTask;
import svg.nn.train.ssl.SslConfig;
import svg.nn.train.ssl.SslTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.parallel.Parallel;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Small-configuration checks of the three SVG trainers and of thread-count independence of generation. */
class TasksTest {
    static final DinoV3Config VIT = new DinoV3Config(16, 4, 3, 100, "separate", 2, 16, 1, 1, 2, true, 0.1,
            "layernormbf16", "mlp", true, true, 1, true);

    /** Runs {@code steps} AdamW updates on one fixed batch; returns the first and last loss. */
    static double[] fit(TrainTask task, Batch b, int steps, double lr) {
        Adam opt = Adam.adamW(task.parameters(), 0);
        Rng rng = new Rng(5);
        double first = 0, last = 0;
        for (int s = 0; s < steps; s++) {
            Params.zeroGrad(task.parameters());
            StepOutput o = task.forward(b, rng, s);
            o.loss().backward();
            opt.step(lr, 1);
            task.afterUpdate(b, rng, s);
            if (s == 0) first = o.reported();
            last = o.reported();
            assertTrue(Double.isFinite(last), "loss at step " + s);
        }
        return new double[]{first, last};
    }

    static Tensor images(int n, int size, long seed) {
        Rng r = new Rng(seed);
        float[] d = new float[n * 3 * size * size];
        for (int i = 0; i < n; i++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) {
                    float v = ((x / 4 + y / 4 + i) % 2 == 0 ? 0.9f : 0.1f) + 0.05f * r.nextFloat();
                    for (int c = 0; c < 3; c++) d[((i * 3 + c) * size + y) * size + x] = v;
                }
        return Tensor.of(d, n, 3, size, size);
    }

    @Test
    void sslTeacherFollowsStudentAndCentreMoves() {
        SslTask task = new SslTask(VIT, new SslConfig(2, 1, 8, 32, 16, 8, 0.1, 0.04, 0.9, 0.9), 10, new Rng(1));
        Batch b = new Batch(0, new Tensor[]{images(4, 16, 1), images(4, 16, 2), images(4, 8, 3)}, new int[4], new int[4]);
        float[] teacherBefore = task.state().get("teacher.backbone.cls_token").toArray();
        float[] centreBefore = task.state().get("center").toArray();
        double[] l = fit(task, b, 3, 1e-3);
        assertTrue(l[0] > 0 && l[1] > 0);
        assertFalse(java.util.Arrays.equals(teacherBefore, task.state().get("teacher.backbone.cls_token").toArray()), "EMA teacher moved");
        assertFalse(java.util.Arrays.equals(centreBefore, task.state().get("center").toArray()), "centre moved");
        // the teacher never gets gradients
        assertNull(task.encoder().namedParameters().get("cls_token").grad());
    }

    @Test
    void contrastiveLearnsToPairTheViewsOfEachImage() {
        svg.nn.train.ssl.ContrastiveTask task = new svg.nn.train.ssl.ContrastiveTask(VIT, 32, 16, 0.2, new Rng(1));
        // view 2 of image i is view 1 of image i with a little noise: after a few updates each view must find its partner
        Tensor v1 = Tensor.rand(new Rng(3), 0, 1, 8, 3, 16, 16); // 8 distinct images
        float[] noisy = v1.toArray();
        Rng r = new Rng(9);
        for (int i = 0; i < noisy.length; i++) noisy[i] += 0.05f * (r.nextFloat() - 0.5f);
        Batch b = new Batch(0, new Tensor[]{v1, Tensor.of(noisy, v1.shape())}, new int[8], new int[8]);
        double[] l = fit(task, b, 30, 3e-3);
        // 15 candidates per view: chance level is ln(15) = 2.71
        assertTrue(l[0] > 2 && l[1] < 0.5 * l[0], "NT-Xent " + l[0] + " -> " + l[1]);
        assertEquals(1.0, task.forward(b, new Rng(0), 0).logs().get("pair_acc"), 1e-9);
        // the exported encoder is the trained student, and only the student and head are optimised
        assertSame(task.student, task.encoder());
        assertTrue(task.parameters().keySet().stream().allMatch(k -> k.startsWith("backbone.") || k.startsWith("head.")));
        assertThrows(IllegalStateException.class, () -> task.forward(new Batch(0, new Tensor[]{v1}, new int[8], new int[8]), new Rng(0), 0));
    }

    static SvgAutoencoder tinyAe(Rng rng) {
        DecoderConfig dec = new DecoderConfig(32, 3, new int[]{1, 1, 1}, 0, new int[0], 0.0, 16, 20, 3, true);
        ResidualViTConfig res = new ResidualViTConfig(16, 4, 1, 1, 16, 32, 4);
        return new SvgAutoencoder(new SvgAutoencoderConfig(VIT, res, dec, 32, 0.1, true), rng);
    }

    @Test
    void autoencoderLearnsWithAndWithoutGan() {
        Batch b = new Batch(0, new Tensor[]{images(4, 16, 7)}, new int[4], new int[4]);
        double[] plain = fit(new AutoencoderTask(tinyAe(new Rng(2)), new AutoencoderLossConfig(0.5, 0, 0, 2e-4, 8), new Rng(3)), b, 25, 3e-3);
        assertTrue(plain[1] < 0.6 * plain[0], "L1+perceptual " + plain[0] + " -> " + plain[1]);
        AutoencoderTask gan = new AutoencoderTask(tinyAe(new Rng(2)), new AutoencoderLossConfig(0.5, 0.1, 0, 2e-4, 8), new Rng(3));
        double[] g = fit(gan, b, 25, 3e-3);
        assertTrue(g[1] < g[0], "with GAN " + g[0] + " -> " + g[1]);
        assertEquals(25f, gan.state().get("disc_steps").item());
        // the frozen encoder is not trained
        assertTrue(gan.parameters().keySet().stream().noneMatch(k -> k.startsWith("encoder.")));
    }

    @Test
    void vaeBaselineLearns() {
        DecoderConfig dec = new DecoderConfig(32, 3, new int[]{1, 1, 1}, 0, new int[0], 0.0, 16, 4, 3, true);
        svg.nn.train.vae.KlVae vae = new svg.nn.train.vae.KlVae(16, 4, 16, 1, 1, 4, dec, new Rng(6));
        Batch b = new Batch(0, new Tensor[]{images(4, 16, 8)}, new int[4], new int[4]);
        double[] l = fit(new svg.nn.train.vae.VaeTask(vae, 1e-4), b, 25, 3e-3);
        assertTrue(l[1] < 0.7 * l[0], "VAE loss " + l[0] + " -> " + l[1]);
    }

    @Test
    void ditOverfitsOneBatch() {
        DiTConfig c = new DiTConfig(2, 1, 6, 32, 1, 2, 2.0, 0.1, 3, true, 0, true);
        DitTask task = new DitTask(new DiT(c, new Rng(4)), 0.4, 0.1, 0.99);
        Rng r = new Rng(9);
        Batch b = new Batch(0, new Tensor[]{Tensor.randn(r, 8, 1, 4, 6)}, new int[]{0, 1, 2, 0, 1, 2, 0, 1}, new int[8]);
        // the loss is noisy (fresh t and noise per step): compare averages of the first and last 10 steps
        Adam opt = Adam.adamW(task.parameters(), 0);
        Rng rng = new Rng(5);
        double early = 0, late = 0;
        for (int s = 0; s < 120; s++) {
            Params.zeroGrad(task.parameters());
            StepOutput o = task.forward(b, rng, s);
            o.loss().backward();
            opt.step(3e-3, 1);
            task.afterUpdate(b, rng, s);
            if (s < 10) early += o.reported();
            if (s >= 110) late += o.reported();
        }
        assertTrue(late < 0.8 * early, "flow loss " + early / 10 + " -> " + late / 10);
        assertNotEquals(task.emaWeights().get("ln1.weight").toArray()[0], task.parameters().get("ln1.weight").toArray()[0]);
    }

    @Test
    void generatedImagesDoNotDependOnThreadCount() {
        Rng rng = new Rng(11);
        SvgAutoencoder ae = tinyAe(rng);
        DiTConfig c = new DiTConfig(4, 1, 20, 32, 1, 2, 2.0, 0.1, 3, true, 0, true);
        DiT dit = new DiT(c, rng);
        // non-zero output layers, so the sample depends on every DiT weight
        for (Tensor t : dit.namedParameters().values()) if (t.numel() > 1) for (int i = 0; i < t.numel(); i++) t.data()[i] += 0.01f * (float) rng.nextGaussian();
        SvgModel m = new SvgModel(dit, ae, LatentStats.identity(20), List.of("a", "b", "c"), 16, null);
        int prev = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = m.generate(new int[]{0, 2, 1}, m.sampling().withSteps(3), 42, 2, null).toArray();
            Parallel.setThreads(2);
            float[] two = m.generate(new int[]{0, 2, 1}, m.sampling().withSteps(3), 42, 2, null).toArray();
            assertArrayEquals(one, two);
        } finally {
            Parallel.setThreads(prev);
        }
    }
}
