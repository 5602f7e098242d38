package svg.app;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.image.ImageIo;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.io.SafetensorsFile;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** sample, reconstruct, encode, decode and interpolate on a tiny random model directory. */
class PipelineCommandsTest {
    @TempDir
    static Path shared;
    static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void saveModel() throws IOException {
        model = TinyModel.save(shared.resolve("tiny-model"));
    }

    private static Cli svg(String... args) { return Cli.run(args); }

    private Path image(String name, int w, int h, long seed) throws IOException {
        Path p = dir.resolve(name);
        ImageIo.writePng(Tensor.rand(new Rng(seed), 0, 1, 3, h, w), p);
        return p;
    }

    @Test
    void sampleWritesAGridOfTheRequestedClass() throws IOException {
        Path out = dir.resolve("s.png");
        Cli r = svg("sample", "--model", model.toString(), "--class", "sneaker", "--n", "3", "--out", out.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("3 images of Sneaker"), r::toString);
        // three 4 px images: 2 columns x 2 rows, padding 2
        assertArrayEquals(new int[]{3, 14, 14}, ImageIo.read(out).shape());
        Path big = dir.resolve("big.png");
        assertEquals(0, svg("sample", "--model", model.toString(), "--n", "3", "--scale", "3", "--out", big.toString(), "--quiet").exit());
        assertArrayEquals(new int[]{3, 2 * 14 + 2, 2 * 14 + 2}, ImageIo.read(big).shape());
        assertEquals(1, svg("sample", "--model", model.toString(), "--scale", "0", "--out", big.toString(), "--quiet").exit());
    }

    @Test
    void sampleIsReproducibleAcrossBatchSizesAndThreads() throws IOException {
        Path a = dir.resolve("a.png"), b = dir.resolve("b.png"), c = dir.resolve("c.png"), d = dir.resolve("d.png");
        String m = model.toString();
        assertEquals(0, svg("sample", "--model", m, "--n", "3", "--seed", "5", "--batch", "3", "--threads", "2", "--out", a.toString(), "--quiet").exit());
        assertEquals(0, svg("sample", "--model", m, "--n", "3", "--seed", "5", "--batch", "1", "--threads", "1", "--out", b.toString(), "--quiet").exit());
        assertEquals(0, svg("sample", "--model", m, "--n", "3", "--seed", "6", "--out", c.toString(), "--quiet").exit());
        assertEquals(0, svg("sample", "--model", m, "--n", "3", "--seed", "5", "--sampler", "heun", "--cfg", "1", "--out", d.toString(), "--quiet").exit());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same seed: same bytes whatever batch size and threads");
        assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)), "another seed: other images");
        assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(d)), "sampler options reach the sampler");
        Path e = dir.resolve("e.png"), f = dir.resolve("f.png");
        assertEquals(0, svg("sample", "--model", m, "--n", "3", "--seed", "5", "--sampler", "sde", "--batch", "1", "--out", e.toString(), "--quiet").exit());
        assertEquals(0, svg("sample", "--model", m, "--n", "3", "--seed", "5", "--sampler", "sde", "--batch", "3", "--out", f.toString(), "--quiet").exit());
        assertArrayEquals(Files.readAllBytes(e), Files.readAllBytes(f), "the sde sampler's noise is per image too");
    }

    @Test
    void sampleToAFolderAndOnTheReferenceBackend() throws IOException {
        Path out = dir.resolve("folder");
        Cli r = svg("sample", "--model", model.toString(), "--class", "0", "--class", "trouser", "--n", "2",
                "--device", "reference", "--out", out.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
        try (var s = Files.list(out)) {
            assertEquals(4, s.count());
        }
        assertArrayEquals(new int[]{3, 4, 4}, ImageIo.read(out.resolve("sample_003.png")).shape());
    }

    @Test
    void sampleErrors() throws IOException {
        String m = model.toString(), out = dir.resolve("x.png").toString();
        Cli unknown = svg("sample", "--model", m, "--class", "spaceship", "--out", out, "--quiet");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("spaceship") && unknown.err().contains("2=Sneaker"), unknown::toString);
        assertEquals(1, svg("sample", "--model", m, "--class", "3", "--out", out).exit(), "id out of range");
        Cli noDir = svg("sample", "--model", dir.resolve("nowhere").toString(), "--out", out);
        assertEquals(1, noDir.exit());
        assertTrue(noDir.err().contains("nowhere"), noDir::toString);
        Cli notModel = svg("sample", "--model", dir.toString(), "--out", out);
        assertEquals(1, notModel.exit());
        assertTrue(notModel.err().contains("model.json"), notModel::toString);
        assertEquals(1, svg("sample", "--model", m, "--sampler", "rk4", "--out", out).exit());
        assertEquals(1, svg("sample", "--model", m, "--n", "0", "--out", out).exit());
        assertEquals(1, svg("sample", "--model", m, "--cfg-interval", "0.5", "--out", out).exit());
        assertEquals(1, svg("sample", "--model", m, "--cfg-mode", "sometimes", "--out", out).exit());
        assertEquals(1, svg("sample", "--model", m, "--device", "warp", "--out", out).exit());
        assertEquals(2, svg("sample", "--model", m, "--colour", "blue").exit(), "unknown option");
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void corruptAndIncompatibleModelFiles() throws IOException {
        Path broken = dir.resolve("broken");
        TinyModel.save(broken);
        byte[] dit = Files.readAllBytes(broken.resolve("dit.safetensors"));
        Files.write(broken.resolve("dit.safetensors"), Arrays.copyOf(dit, dit.length / 2));
        Cli r = svg("sample", "--model", broken.toString(), "--out", dir.resolve("x.png").toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("dit.safetensors"), r::toString);

        Path mismatched = dir.resolve("mismatched");
        TinyModel.save(mismatched);
        Safetensors.save(mismatched.resolve("stats.safetensors"),
                Map.of("dinov3_sp_mean", Tensor.zeros(1, 1, 8), "dinov3_sp_std", Tensor.ones(1, 1, 8)), Map.of());
        Cli s = svg("sample", "--model", mismatched.toString(), "--out", dir.resolve("x.png").toString());
        assertEquals(1, s.exit(), s::toString);
        assertTrue(s.err().contains("8 channels") && s.err().contains("36"), s::toString);
    }

    @Test
    void explicitFilesAndBf16() throws IOException {
        Path out = dir.resolve("e.png");
        Cli r = svg("sample", "--model", model.toString(), "--dit", model.resolve("dit.safetensors").toString(),
                "--stats", model.resolve("stats.safetensors").toString(), "--bf16", "--n", "2", "--out", out.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(Files.size(out) > 0);
        // bfloat16 weights in memory: about half the bytes, and images close to the float32 ones
        Path f32 = dir.resolve("f.png"), bf = dir.resolve("b.png");
        Cli a = svg("sample", "--model", model.toString(), "--n", "2", "--seed", "3", "--out", f32.toString(), "--quiet");
        Cli b = svg("sample", "--model", model.toString(), "--n", "2", "--seed", "3", "--bf16", "--out", bf.toString(), "--quiet");
        assertEquals(0, a.exit(), a::toString);
        assertEquals(0, b.exit(), b::toString);
        assertTrue(a.out().contains("float32") && b.out().contains("(bfloat16 matrices)"), a.out() + b.out());
        double mbF = Double.parseDouble(a.out().replaceAll("(?s).*weights ([0-9.]+) MB.*", "$1"));
        double mbB = Double.parseDouble(b.out().replaceAll("(?s).*weights ([0-9.]+) MB.*", "$1"));
        assertTrue(mbB < 0.6 * mbF, mbB + " MB vs " + mbF + " MB");
        java.awt.image.BufferedImage ia = javax.imageio.ImageIO.read(f32.toFile()), ib = javax.imageio.ImageIO.read(bf.toFile());
        double diff = 0;
        for (int y = 0; y < ia.getHeight(); y++)
            for (int x = 0; x < ia.getWidth(); x++)
                for (int sh = 0; sh < 24; sh += 8)
                    diff += Math.abs(((ia.getRGB(x, y) >> sh) & 255) - ((ib.getRGB(x, y) >> sh) & 255));
        diff /= 3.0 * ia.getWidth() * ia.getHeight();
        assertTrue(diff < 8, "mean channel difference " + diff);
        Cli missing = svg("sample", "--model", model.toString(), "--dino", dir.resolve("dino.pth").toString(), "--out", out.toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("dino.pth"), missing::toString);
    }

    @Test
    void missingDefaultModelIsAClearError() {
        String old = System.getProperty("svg.home");
        System.setProperty("svg.home", dir.toString());
        try {
            Cli r = svg("sample", "--out", dir.resolve("x.png").toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("default model") && r.err().contains("--model"), r::toString);
        } finally {
            if (old == null) System.clearProperty("svg.home"); else System.setProperty("svg.home", old);
        }
    }

    @Test
    void reconstructWritesImagesAndPsnr() throws IOException {
        Path a = image("a.png", 40, 30, 1), b = image("b.png", 32, 32, 2);
        Path out = dir.resolve("rec");
        Cli r = svg("reconstruct", "--model", model.toString(), a.toString(), b.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().matches("(?s).*a\\.png -> .*a_recon\\.png  PSNR \\d+\\.\\d\\d dB.*mean PSNR.*"), r::toString);
        assertArrayEquals(new int[]{3, 4, 4}, ImageIo.read(out.resolve("a_recon.png")).shape());
        assertTrue(Files.exists(out.resolve("b_pair.png")));

        Cli wrong = svg("reconstruct", "--model", model.toString(), "--fit", "exact", a.toString(), "--out", out.toString());
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("40x30") && wrong.err().contains("32x32"), wrong::toString);
        Cli tooBig = svg("reconstruct", "--model", model.toString(), "--fit", "pad", a.toString(), "--out", out.toString());
        assertEquals(1, tooBig.exit());
        assertTrue(tooBig.err().contains("cannot be padded"), tooBig::toString);
        Path small = image("small.png", 28, 28, 9);
        assertEquals(0, svg("reconstruct", "--model", model.toString(), "--fit", "pad", small.toString(), "--out", out.toString()).exit());
        assertEquals(0, svg("reconstruct", "--model", model.toString(), "--fit", "crop", small.toString(), "--out", out.toString()).exit());
        assertEquals(2, svg("reconstruct", "--model", model.toString(), "--fit", "stretch", small.toString()).exit());
        Cli missing = svg("reconstruct", "--model", model.toString(), dir.resolve("none.png").toString());
        assertEquals(1, missing.exit());
        Path junk = Files.writeString(dir.resolve("junk.png"), "not a png");
        assertEquals(1, svg("reconstruct", "--model", model.toString(), junk.toString(), "--out", out.toString()).exit());
    }

    @Test
    void psnr() {
        Tensor x = Tensor.rand(new Rng(1), 0, 1, 3, 8, 8);
        assertEquals(Double.POSITIVE_INFINITY, ReconstructCommand.psnr8(x, x));
        // every value one 8-bit level off: MSE 1, PSNR = 20 log10(255)
        Tensor zeros = Tensor.zeros(3, 8, 8), ones = Tensor.full(1f / 255, 3, 8, 8);
        assertEquals(20 * Math.log10(255), ReconstructCommand.psnr8(zeros, ones), 1e-9);
    }

    @Test
    void encodeThenDecode() throws IOException {
        Path a = image("a.png", 32, 32, 3), b = image("b.png", 50, 64, 4);
        Path lat = dir.resolve("lat/latents.safetensors");
        Cli e = svg("encode", "--model", model.toString(), a.toString(), b.toString(), "--out", lat.toString());
        assertEquals(0, e.exit(), e::toString);
        try (SafetensorsFile f = SafetensorsFile.open(lat)) {
            assertArrayEquals(new int[]{2, 36, 2, 2}, f.info("latents").shape());
            assertTrue(f.metadata().get("images").contains("b.png"));
        }
        Path png = dir.resolve("dec.png");
        Cli d = svg("decode", "--model", model.toString(), lat.toString(), "--out", png.toString());
        assertEquals(0, d.exit(), d::toString);
        assertArrayEquals(new int[]{3, 8, 14}, ImageIo.read(png).shape(), "two 4 px images side by side");

        Path wrong = dir.resolve("wrong.safetensors");
        Safetensors.save(wrong, Map.of("latents", Tensor.zeros(1, 8, 2, 2)), Map.of());
        Cli w = svg("decode", "--model", model.toString(), wrong.toString(), "--out", png.toString());
        assertEquals(1, w.exit());
        assertTrue(w.err().contains("[1, 8, 2, 2]") && w.err().contains("36"), w::toString);
        assertEquals(1, svg("encode", "--model", model.toString(), a.toString(), "--out", dir.resolve("x.pt").toString()).exit());
        assertEquals(2, svg("encode", "--model", model.toString(), a.toString()).exit(), "--out is required");
    }

    @Test
    void interpolateSeedsAndImages() throws IOException {
        Path s = dir.resolve("seeds.png");
        Cli r = svg("interpolate", "--model", model.toString(), "--seeds", "1", "2", "--class", "trouser", "--frames", "3",
                "--out", s.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
        assertArrayEquals(new int[]{3, 8, 3 * 6 + 2}, ImageIo.read(s).shape());

        Path a = image("a.png", 32, 32, 5), b = image("b.png", 32, 32, 6), strip = dir.resolve("img.png");
        Cli i = svg("interpolate", "--model", model.toString(), a.toString(), b.toString(), "--frames", "4", "--out", strip.toString());
        assertEquals(0, i.exit(), i::toString);
        assertArrayEquals(new int[]{3, 8, 4 * 6 + 2}, ImageIo.read(strip).shape());

        assertEquals(1, svg("interpolate", "--model", model.toString(), a.toString(), "--out", strip.toString()).exit(), "one image");
        assertEquals(1, svg("interpolate", "--model", model.toString(), "--seeds", "1", "2", "--frames", "1", "--out", strip.toString()).exit());
        assertEquals(1, svg("interpolate", "--model", model.toString(), "--seeds", "1", "2", "--sampler", "sde", "--out", strip.toString()).exit());
    }
}
