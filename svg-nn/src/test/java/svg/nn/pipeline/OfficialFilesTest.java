package svg.nn.pipeline;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViTConfig;
import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;
import svg.tensor.io.TorchCheckpoint;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link SvgModel#fromOfficial} on official-format files: the golden Lightning autoencoder checkpoint (official
 * DinoDecoder, random weights; case svg_autoencoder_encode), a torch.save'd DiT checkpoint with "ema" and "model"
 * entries and a dinov3_sp_stats-style file (both tiny, written by torch 1.13 into the test resources).
 */
class OfficialFilesTest {
    // the configuration of golden case svg_autoencoder_encode: 64 px, DINOv3 64 + 8 residual channels, 4x4 latents
    static final SvgAutoencoderConfig AE = new SvgAutoencoderConfig(DinoV3Config.hub(64, 3, 2, 6, "swiglu"),
            new ResidualViTConfig(64, 16, 2, 2, 64, 128, 8),
            new DecoderConfig(32, 3, new int[]{1, 2, 2}, 1, new int[]{4}, 0, 16, 72, 3, true), 32, 0.1, true);
    static final DiTConfig DIT = new DiTConfig(4, 1, 72, 32, 1, 2, 4.0, 0.1, 3, true, 0, true);

    static Path golden;
    static Path ditPt, statsPt;

    @BeforeAll
    static void locate() throws Exception {
        String p = System.getProperty("svg.golden.dir");
        URL u = OfficialFilesTest.class.getResource("/golden");
        golden = p != null && !p.isBlank() ? Path.of(p) : u != null ? Path.of(u.toURI()) : Path.of("/work/shared/golden");
        ditPt = Path.of(OfficialFilesTest.class.getResource("tiny_dit_train.pt").toURI());
        statsPt = Path.of(OfficialFilesTest.class.getResource("tiny_sp_stats.pt").toURI());
    }

    static Path ckpt() {
        Path c = golden.resolve("svg_autoencoder_encode/weights_lightning.ckpt");
        assumeTrue(Files.isRegularFile(c), "golden files not found (set -Dsvg.golden.dir): " + c);
        return c;
    }

    @Test
    void assemblesTheOfficialFilesAndReproducesTheOfficialAutoencoder() throws Exception {
        Path dir = ckpt().getParent();
        SvgModel m = SvgModel.fromOfficial(ditPt, DIT, ckpt(), AE, null, statsPt, List.of("a", "b", "c"), 64, null);

        // the EMA weights are taken, not "model"
        Map<String, Tensor> ema = TorchCheckpoint.stateDict(ditPt, "ema"), model = TorchCheckpoint.stateDict(ditPt, "model");
        for (var e : m.dit().stateDict().entrySet()) {
            assertArrayEquals(ema.get(e.getKey()).toArray(), e.getValue().toArray(), e.getKey());
            assertFalse(java.util.Arrays.equals(model.get(e.getKey()).toArray(), e.getValue().toArray()));
        }
        assertArrayEquals(TorchCheckpoint.stateDict(statsPt, null).get("dinov3_sp_std").toArray(), m.stats().std().toArray());

        // encode/decode through the pipeline reproduce the official DinoDecoder outputs
        Map<String, Tensor> io = Safetensors.load(dir.resolve("io.safetensors"));
        Tensor images01 = io.get("input/image_nhwc").permute(0, 3, 1, 2).add(1f).div(2f);
        Tensor latent = m.encode(images01);
        assertClose(io.get("output/latent"), latent, 1e-4);
        float[] dec = io.get("output/decoded").toArray();
        for (int i = 0; i < dec.length; i++) dec[i] = (Math.max(-1f, Math.min(1f, dec[i])) + 1f) / 2f;
        assertClose(Tensor.of(dec, io.get("output/decoded").shape()), m.decode(io.get("output/latent")), 1e-4);

        Tensor img = m.generate(new int[]{2}, null, 1, null);
        assertArrayEquals(new int[]{1, 3, 16, 16}, img.shape());
    }

    @Test
    void separateDinoWeightsFillTheEncoder() throws Exception {
        Path dino = golden.resolve("dinov3_vit/weights.safetensors");
        SvgModel m = SvgModel.fromOfficial(ditPt, DIT, ckpt(), AE, dino, null, List.of(), 64, null);
        Map<String, Tensor> d = Safetensors.load(dino);
        for (var e : d.entrySet())
            assertArrayEquals(e.getValue().toArray(), m.autoencoder().stateDict().get("encoder." + e.getKey()).toArray(), e.getKey());
        assertFalse(m.featureNorm());
    }

    @Test
    void incompatibleOfficialFilesAreRejected() {
        // the golden DiT covers 16x16 tokens (official 256) but this autoencoder makes 4x4 latents of 64 px images
        Path bigDit = golden.resolve("svg_dit/weights_ema.pt");
        assumeTrue(Files.isRegularFile(bigDit));
        var e = assertThrows(IllegalArgumentException.class, () -> SvgModel.fromOfficial(bigDit,
                new DiTConfig(16, 1, 72, 96, 2, 4, 4.0, 0.1, 10, true, 0, true), ckpt(), AE, null, null, List.of(), 64, null));
        assertTrue(e.getMessage().contains("token grid"), e.getMessage());
        // a DiT config that does not match the checkpoint names the offending keys
        var e2 = assertThrows(IllegalArgumentException.class, () -> SvgModel.fromOfficial(ditPt, DIT.withNumClasses(5), ckpt(), AE, null, null, List.of(), 64, null));
        assertTrue(e2.getMessage().contains("y_embedder.embedding_table.weight"), e2.getMessage());
    }

    static void assertClose(Tensor expect, Tensor got, double tol) {
        assertArrayEquals(expect.shape(), got.shape());
        float[] a = expect.toArray(), b = got.toArray();
        double mx = 0;
        for (int i = 0; i < a.length; i++) mx = Math.max(mx, Math.abs(a[i] - b[i]));
        assertTrue(mx <= tol, "max abs error " + mx);
    }
}
