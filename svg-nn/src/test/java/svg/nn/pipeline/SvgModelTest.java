package svg.nn.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.flow.SamplerKind;
import svg.nn.flow.SamplerOptions;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.Safetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The pipeline on a tiny random model: 32 px images, 32 + 4 latent channels on a 2x2 grid, 3 classes. */
class SvgModelTest {
    static final SvgAutoencoderConfig AE = new SvgAutoencoderConfig(DinoV3Config.VITS16PLUS.withSize(32, 1, 2),
            new ResidualViTConfig(32, 16, 1, 2, 32, 64, 4),
            new DecoderConfig(32, 3, new int[]{1, 1}, 1, new int[]{2}, 0, 4, 36, 3, true), 8, 0.1, true);
    static final DiTConfig DIT = new DiTConfig(2, 1, 36, 32, 1, 2, 4.0, 0.1, 3, true, 0, true);

    /** Random values in every parameter (the official init zeroes the adaLN and output layers). */
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

    static SvgModel tiny() {
        Rng r = new Rng(1);
        LatentStats stats = new LatentStats(Tensor.randn(r, 1, 1, 36).mul(0.3f), Tensor.rand(r, 0.5f, 2f, 1, 1, 36));
        return new SvgModel(randomize(new DiT(DIT, null), 2), randomize(new SvgAutoencoder(AE, null), 3), stats,
                List.of("cat", "dog", "dogfish"), 32, SamplerOptions.defaults().withSteps(3).withCfg(2.0));
    }

    @Test
    void generatesImagesInUnitRangeIndependentOfBatchSize() {
        SvgModel m = tiny();
        SamplerOptions o = m.sampling();
        Tensor all = m.generate(new int[]{0, 1, 2}, o, 42, 3, null);
        assertArrayEquals(new int[]{3, 3, 4, 4}, all.shape());
        assertEquals(4, m.outputSize());
        for (float v : all.toArray()) assertTrue(v >= 0 && v <= 1, "pixel " + v);
        Tensor ones = m.generate(new int[]{0, 1, 2}, o, 42, 1, null);
        assertArrayEquals(all.toArray(), ones.toArray(), 1e-5f);
        Tensor first = m.generate(new int[]{0}, o, 42, 4, null);
        assertArrayEquals(all.narrow(0, 0, 1).toArray(), first.toArray(), 1e-5f);
        Tensor other = m.generate(new int[]{0}, o, 43, 4, null);
        assertFalse(java.util.Arrays.equals(first.toArray(), other.toArray()), "another seed gives another image");
        // a trainer's live networks keep their mode
        m.dit().train();
        m.autoencoder().train();
        Tensor again = m.generate(new int[]{0}, o, 42, 4, null);
        assertTrue(m.dit().isTraining() && m.autoencoder().isTraining());
        assertArrayEquals(first.toArray(), again.toArray());
        Tensor heun = m.generate(new int[]{0}, o.withSampler(SamplerKind.HEUN), 42, 4, null);
        assertFalse(java.util.Arrays.equals(first.toArray(), heun.toArray()));
    }

    @Test
    void generationIsTheSamplerFollowedByDestandardiseAndDecode() {
        SvgModel m = tiny();
        SamplerOptions o = m.sampling();
        Tensor z0 = m.noise(5, 0, 2);
        Tensor tokens = m.sampleTokens(z0, new int[]{2, 1}, o, null, null);
        Tensor latent;
        try (var g = GradMode.noGrad()) {
            latent = Latents.fromTokens(tokens.mul(m.stats().std()).add(m.stats().mean()), 2, 2);
        }
        Tensor raw;
        try (var g = GradMode.noGrad()) { raw = m.autoencoder().decode(latent); }
        float[] expect = raw.toArray();
        for (int i = 0; i < expect.length; i++) expect[i] = (Math.max(-1f, Math.min(1f, expect[i])) + 1f) / 2f;
        assertArrayEquals(expect, m.generate(new int[]{2, 1}, o, 5, 2, null).toArray(), 1e-6f);
        // tokens <-> latent conversions invert each other
        assertArrayEquals(tokens.toArray(), m.latentToTokens(m.tokensToLatent(tokens)).toArray(), 1e-5f);
    }

    @Test
    void progressCoversEveryStepAndDecode() {
        SvgModel m = tiny();
        List<String> events = new ArrayList<>();
        m.generate(new int[]{0, 1, 2}, m.sampling(), 1, 2, (phase, done, total) -> events.add(phase + " " + done + "/" + total));
        // 2 batches x (3 steps + 1 decode)
        assertEquals(List.of("sample 1/8", "sample 2/8", "sample 3/8", "decode 4/8", "sample 5/8", "sample 6/8", "sample 7/8", "decode 8/8"), events);
    }

    @Test
    void saveAndLoadRoundTrip(@TempDir Path dir) throws Exception {
        SvgModel m = tiny();
        m.save(dir);
        for (String f : List.of("model.json", "dit.safetensors", "autoencoder.safetensors", "stats.safetensors"))
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        assertTrue(Safetensors.load(dir.resolve("autoencoder.safetensors")).keySet().stream().anyMatch(k -> k.startsWith("encoder.blocks.0.")));
        SvgModel back = SvgModel.load(dir);
        assertEquals(m.classes(), back.classes());
        assertEquals(m.sampling(), back.sampling());
        assertEquals(DIT, back.dit().config);
        assertEquals(RecordJson.toMap(AE).toString(), RecordJson.toMap(back.autoencoder().config).toString());
        for (var e : m.dit().stateDict().entrySet())
            assertArrayEquals(e.getValue().toArray(), back.dit().stateDict().get(e.getKey()).toArray(), e.getKey());
        assertArrayEquals(m.stats().std().toArray(), back.stats().std().toArray());
        assertArrayEquals(m.generate(new int[]{1}, null, 9, null).toArray(), back.generate(new int[]{1}, null, 9, null).toArray());
        assertEquals(1, back.classId("dog"));
        assertEquals(2, back.classId("dogf"));
        assertEquals(0, back.classId("0"));
        var e = assertThrows(IllegalArgumentException.class, () -> back.classId("do"));
        assertTrue(e.getMessage().contains("ambiguous"));
    }

    @Test
    void loadReportsMissingAndMismatchedFiles(@TempDir Path dir) throws Exception {
        var e0 = assertThrows(java.io.IOException.class, () -> SvgModel.load(dir));
        assertTrue(e0.getMessage().contains("model.json"));
        tiny().save(dir);
        Files.delete(dir.resolve("stats.safetensors"));
        var e1 = assertThrows(java.io.IOException.class, () -> SvgModel.load(dir));
        assertTrue(e1.getMessage().contains("stats.safetensors"));
        tiny().save(dir);
        // a DiT file from another configuration
        Safetensors.save(dir.resolve("dit.safetensors"), new DiT(DIT.withInChannels(40), null).stateDict(), Map.of());
        var e2 = assertThrows(IllegalArgumentException.class, () -> SvgModel.load(dir));
        assertTrue(e2.getMessage().contains("ln1.weight"), e2.getMessage());
    }

    @Test
    void incompatiblePartsAreRejectedWithTheReason() {
        SvgAutoencoder ae = new SvgAutoencoder(AE, null);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new SvgModel(new DiT(DIT.withInChannels(32), null), ae, null, List.of(), 32, null));
        assertTrue(e.getMessage().contains("32-channel") && e.getMessage().contains("36 channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SvgModel(new DiT(DIT.withInputSize(4), null), ae, null, List.of(), 32, null));
        assertTrue(e.getMessage().contains("token grid"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SvgModel(new DiT(DIT, null), ae, LatentStats.identity(20), List.of(), 32, null));
        assertTrue(e.getMessage().contains("20 channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SvgModel(new DiT(DIT, null), ae, null, List.of("a"), 32, null));
        assertTrue(e.getMessage().contains("class names"), e.getMessage());
    }

    @Test
    void guidanceNeedsANullClassAndLabelsAreChecked() {
        SvgModel noNull = new SvgModel(randomize(new DiT(new DiTConfig(2, 1, 36, 32, 1, 2, 4.0, 0.0, 3, true, 0, true), null), 2),
                new SvgAutoencoder(AE, null), null, List.of(), 32, null);
        var e = assertThrows(IllegalArgumentException.class, () -> noNull.generate(new int[]{0}, SamplerOptions.defaults().withSteps(2), 1, null));
        assertTrue(e.getMessage().contains("null class"));
        assertEquals(1, noNull.generate(new int[]{0}, SamplerOptions.defaults().withSteps(2).withCfg(1), 1, null).size(0));
        var e2 = assertThrows(IllegalArgumentException.class, () -> tiny().generate(new int[]{3}, null, 1, null));
        assertTrue(e2.getMessage().contains("class id 3"));
    }

    @Test
    void encodeDecodeAndInterpolate() {
        SvgModel m = tiny();
        Tensor img = Tensor.rand(new Rng(4), 0f, 1f, 2, 3, 32, 32);
        Tensor lat = m.encode(img);
        assertArrayEquals(new int[]{2, 36, 2, 2}, lat.shape());
        assertArrayEquals(new int[]{2, 3, 4, 4}, m.reconstruct(img).shape());
        assertThrows(IllegalArgumentException.class, () -> m.encode(Tensor.zeros(1, 3, 16, 16)));
        Tensor strip = m.interpolate(1, 10, 11, 4, m.sampling(), null);
        assertArrayEquals(new int[]{4, 3, 4, 4}, strip.shape());
        // the end frames are the images of the two seeds
        assertArrayEquals(m.generate(new int[]{1}, null, 10, null).toArray(), strip.narrow(0, 0, 1).toArray(), 1e-5f);
        assertArrayEquals(m.generate(new int[]{1}, null, 11, null).toArray(), strip.narrow(0, 3, 1).toArray(), 1e-5f);
    }
}
