package svg.nn.lpips;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LPIPS against an independent float64 PyTorch reimplementation (tools/lpips/gen_lpips_fixture.py): the real
 * official lin weights (vgg_lin_official.pth), random VGG16 weights from a counter-based hash that both sides
 * compute bit for bit, and fixed random images. Checks distances and the gradient with respect to the first image.
 */
class LpipsTest {
    @TempDir static Path dir;
    static Map<String, Tensor> fx;
    static Lpips lpips;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(LpipsTest.class.getResource("/lpips/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        fx = Safetensors.load(resource("lpips_fixture.safetensors"));
        // go through the user-facing loader: the official lin .pth (legacy torch format) + a VGG safetensors file
        Map<String, Tensor> vgg = new LinkedHashMap<>(HashVgg.stateDict());
        vgg.put("classifier.0.weight", Tensor.zeros(4, 4)); // ignored, as torchvision's classifier would be
        Path vf = dir.resolve("vgg16.safetensors");
        Safetensors.save(vf, vgg, Map.of());
        lpips = LpipsWeights.load(resource("vgg_lin_official.pth"), vf);
    }

    @Test
    void hashWeightsMatchThePythonGenerator() {
        Map<String, Tensor> sd = HashVgg.stateDict();
        assertArrayEquals(fx.get("check.features.0.weight").toArray(), sd.get("features.0.weight").toArray());
        assertArrayEquals(fx.get("check.features.28.bias").toArray(), sd.get("features.28.bias").toArray());
    }

    @Test
    void distancesMatchPyTorch() {
        for (String c : new String[]{"a", "b"}) { // b: 36x44, odd sizes at pooling
            float[] got = lpips.distance(fx.get(c + ".x0"), fx.get(c + ".x1")).toArray();
            float[] want = fx.get(c + ".lpips").toArray();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++)
                assertEquals(want[i], got[i], 2e-5 * Math.abs(want[i]), "case " + c + " pair " + i + ": " + got[i] + " vs " + want[i]);
        }
    }

    @Test
    void identicalImagesHaveZeroDistance() {
        Tensor x = fx.get("b.x0");
        assertEquals(0f, lpips.distance(x, x).item(), 0f);
    }

    /** Max |error| of each pair's input gradient, relative to that pair's max |gradient|. */
    static double[] gradientErrors() {
        Tensor x0 = Tensor.of(fx.get("a.x0").toArray(), fx.get("a.x0").shape()).requiresGrad(true);
        lpips.distance(x0, fx.get("a.x1")).sum().backward();
        assertNotNull(x0.grad(), "no gradient reached the input");
        float[] got = x0.grad().toArray(), want = fx.get("a.grad_x0").toArray();
        int per = want.length / 2;
        double[] rel = new double[2];
        for (int pair = 0; pair < 2; pair++) {
            double maxWant = 0, maxErr = 0;
            for (int i = pair * per; i < (pair + 1) * per; i++) {
                maxWant = Math.max(maxWant, Math.abs(want[i]));
                maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
            }
            assertTrue(maxWant > 0);
            rel[pair] = maxErr / maxWant;
        }
        return rel;
    }

    @Test
    void gradientReachesTheInputImageAndMatchesPyTorch() {
        // the scalar reference backend: float32 with IEEE ops in plain loops, like PyTorch's float32 (which is
        // within 5e-6 of the float64 oracle here)
        Backend previous = Backends.use(Backends.byName("reference"));
        try {
            double[] rel = gradientErrors();
            for (int pair = 0; pair < 2; pair++)
                assertTrue(rel[pair] <= 1e-5, "reference backend, pair " + pair + ": gradient max error " + rel[pair] + " of max |grad|");
        } finally {
            Backends.use(previous);
        }
        // the default SIMD backend agrees to 1e-5 on the distinct pair but only to ~2e-3 on the close pair (pair 1).
        // Not a kernel bug: one conv4_3 pre-activation (features.21) of that image lies within float32 rounding of 0,
        // and the SIMD forward (differently ordered sums) puts it on the other side of the ReLU than float64 does,
        // which also moves one relu4_3 max-pool maximum; the reference forward keeps it on the float64 side. (SIMD
        // forward + reference backward gives the same 1.7e-3, reference forward + SIMD backward 5e-7.)
        // Measured 8e-6 and 1.7e-3; bounded so it cannot grow unseen.
        double[] rel = gradientErrors();
        assertTrue(rel[0] <= 1e-4, "SIMD backend, distinct pair: " + rel[0]);
        assertTrue(rel[1] <= 5e-3, "SIMD backend, close pair: " + rel[1]);
    }

    @Test
    void maxPoolFloorsOddSizesAndRoutesGradientsToTheMaximum() {
        float[] v = new float[15];
        for (int i = 0; i < 15; i++) v[i] = (i * 7) % 15;          // [1, 1, 3, 5]: last row/column dropped
        Tensor x = Tensor.of(v, 1, 1, 3, 5).requiresGrad(true);
        Tensor y = Vgg16Features.maxPool2x2(x);
        assertArrayEquals(new int[]{1, 1, 1, 2}, y.shape());
        // window (0,0): rows 0-1, cols 0-1 = {0, 7, 5, 12}; window (0,1): cols 2-3 = {14, 6, 4, 11}
        assertArrayEquals(new float[]{12, 14}, y.toArray());
        y.sum().backward();
        float[] g = x.grad().toArray();
        for (int i = 0; i < 15; i++) assertEquals(i == 6 || i == 2 ? 1f : 0f, g[i], "grad at " + i);
    }

    @Test
    void badWeightsGiveClearErrors(@TempDir Path tmp) throws IOException {
        Map<String, Tensor> vgg = new LinkedHashMap<>(HashVgg.stateDict());
        vgg.remove("features.14.weight");
        Path vf = tmp.resolve("bad.safetensors");
        Safetensors.save(vf, vgg, Map.of());
        Exception e = assertThrows(IllegalArgumentException.class, () -> LpipsWeights.load(resourceUnchecked("vgg_lin_official.pth"), vf));
        assertTrue(e.getMessage().contains("features.14.weight"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LpipsWeights.load(resourceUnchecked("vgg_lin_official.pth"), null));
        assertTrue(e.getMessage().contains("holds no VGG16 weights"), e.getMessage());
        assertThrows(IOException.class, () -> LpipsWeights.load(tmp.resolve("missing.pth"), vf));
    }

    private static Path resourceUnchecked(String name) {
        try { return resource(name); } catch (URISyntaxException e) { throw new IllegalStateException(e); }
    }
}
