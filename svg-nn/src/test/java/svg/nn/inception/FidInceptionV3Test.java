package svg.nn.inception;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;
import svg.tensor.io.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The FID InceptionV3 against an independent float64 PyTorch reimplementation of pytorch-fid's network
 * (tools/inception/gen_inception_fixture.py) with random weights from a counter-based hash that both sides compute
 * bit for bit (the real 92 MB weights cannot be downloaded or committed): pool3 features and the intermediate block
 * means of 32x32 and 28x36 images, resized to 299x299 on both sides.
 */
class FidInceptionV3Test {
    @TempDir static Path dir;
    static Map<String, Tensor> fx;
    static Map<String, String> meta;
    static FidInceptionV3 net;

    @BeforeAll
    static void load() throws Exception {
        Path f = Path.of(FidInceptionV3Test.class.getResource("/inception/inception_fixture.safetensors").toURI());
        fx = Safetensors.load(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            meta = sf.metadata();
        }
        net = FidInceptionV3.fromStateDict(hashStateDict());
    }

    // ------------------------------------------------------------------ the hash weights (see the Python generator)

    static int lowbias32(int x) {
        x ^= x >>> 16;
        x *= 0x7FEB352D;
        x ^= x >>> 15;
        x *= 0x846CA68B;
        x ^= x >>> 16;
        return x;
    }

    /** n values in [-1, 1): lowbias32(i + lowbias32(id * 0x9E3779B9 + 1)) >>> 8, times 2^-23, minus 1 (exact in float32). */
    static float[] uniform(int tensorId, int n) {
        int key = lowbias32(tensorId * 0x9E3779B9 + 1);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (lowbias32(i + key) >>> 8) * 0x1p-23f - 1f;
        return v;
    }

    static float[] affine(float[] u, float a, float b) {
        for (int i = 0; i < u.length; i++) u[i] = a + b * u[i];
        return u;
    }

    /** Conv t: weight ids 8t (He-uniform), bn weight 1 + 0.2u, bias 0.1u, running mean 0.1u, running var 1 + 0.5u. */
    static Map<String, Tensor> hashStateDict() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        List<FidInceptionV3.ConvSpec> layout = FidInceptionV3.layout();
        for (int t = 0; t < layout.size(); t++) {
            var c = layout.get(t);
            int fanIn = c.in() * c.kh() * c.kw();
            float bound = (float) Math.sqrt(6.0 / fanIn);
            sd.put(c.name() + ".conv.weight", Tensor.of(affine(uniform(8 * t, c.out() * fanIn), 0f, bound), c.out(), c.in(), c.kh(), c.kw()));
            sd.put(c.name() + ".bn.weight", Tensor.of(affine(uniform(8 * t + 1, c.out()), 1f, 0.2f), c.out()));
            sd.put(c.name() + ".bn.bias", Tensor.of(affine(uniform(8 * t + 2, c.out()), 0f, 0.1f), c.out()));
            sd.put(c.name() + ".bn.running_mean", Tensor.of(affine(uniform(8 * t + 3, c.out()), 0f, 0.1f), c.out()));
            sd.put(c.name() + ".bn.running_var", Tensor.of(affine(uniform(8 * t + 4, c.out()), 1f, 0.5f), c.out()));
        }
        return sd;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void hashWeightsMatchThePythonGenerator() {
        Map<String, Tensor> sd = hashStateDict();
        assertArrayEquals(fx.get("check.Conv2d_1a_3x3.conv.weight").toArray(), sd.get("Conv2d_1a_3x3.conv.weight").toArray());
        assertArrayEquals(fx.get("check.Mixed_7c.branch_pool.bn.running_var").toArray(), sd.get("Mixed_7c.branch_pool.bn.running_var").toArray());
    }

    @Test
    void layoutIsTheStateDictOfPytorchFid() {
        List<String> convs = jsonStrings(meta.get("convs"));
        assertEquals(convs, FidInceptionV3.layout().stream().map(FidInceptionV3.ConvSpec::name).toList());
        assertEquals(94, convs.size());
        List<String> want = new ArrayList<>();
        for (String k : jsonStrings(meta.get("state_dict_keys")))
            if (!k.startsWith("fc.") && !k.endsWith("num_batches_tracked")) want.add(k);
        List<String> got = new ArrayList<>();
        for (var c : FidInceptionV3.layout()) got.addAll(c.keys());
        assertEquals(want, got);
    }

    @Test
    void featuresMatchPyTorch() {
        for (String c : new String[]{"a", "b"}) {
            Tensor x = fx.get(c + ".x");
            Map<String, Tensor> taps = new HashMap<>();
            Tensor pool3;
            try (var g = svg.tensor.autograd.GradMode.noGrad()) {
                pool3 = Pooling.globalMean(net.block2(FidInceptionV3.preprocess(x), taps));
            }
            for (String tap : new String[]{"block0", "block1", "block2"})
                assertClose(fx.get(c + "." + tap), taps.get(tap), 1e-4, c + "." + tap);
            assertClose(fx.get(c + ".pool3"), pool3, 1e-4, c + ".pool3");
            // the public entry point gives the same values
            assertArrayEquals(pool3.toArray(), net.features(x).toArray(), 0f);
        }
    }

    @Test
    void loadsAWeightFileAndNamesBadKeys() throws IOException {
        Map<String, Tensor> sd = new LinkedHashMap<>(hashStateDict());
        sd.put("fc.weight", Tensor.zeros(1008, 4)); // ignored: only its class count is looked at
        sd.put("fc.bias", Tensor.zeros(1008));
        sd.put("Conv2d_1a_3x3.bn.num_batches_tracked", Tensor.zeros(1));
        Path f = dir.resolve("pt_inception.safetensors");
        Safetensors.save(f, sd, Map.of());
        FidInceptionV3 loaded = InceptionWeights.load(f);
        Tensor x = fx.get("b.x");
        assertArrayEquals(net.features(x).toArray(), loaded.features(x).toArray(), 0f);

        var e = assertThrows(IOException.class, () -> InceptionWeights.load(dir.resolve("none.pth")));
        assertTrue(e.getMessage().contains("none.pth"), e.getMessage());

        Map<String, Tensor> bad = new LinkedHashMap<>(hashStateDict());
        bad.remove("Mixed_6b.branch7x7_2.conv.weight");
        bad.put("Mixed_7c.branch_pool.bn.bias", Tensor.zeros(7));
        bad.put("Mixed_8a.branch1x1.conv.weight", Tensor.zeros(1));
        String m = assertThrows(IllegalArgumentException.class, () -> FidInceptionV3.fromStateDict(bad)).getMessage();
        assertTrue(m.contains("missing: Mixed_6b.branch7x7_2.conv.weight"), m);
        assertTrue(m.contains("Mixed_7c.branch_pool.bn.bias [7] (expected [192])"), m);
        assertTrue(m.contains("unexpected: Mixed_8a.branch1x1.conv.weight"), m);

        Map<String, Tensor> tv = new LinkedHashMap<>(hashStateDict());
        tv.put("fc.weight", Tensor.zeros(1000, 4));
        m = assertThrows(IllegalArgumentException.class, () -> FidInceptionV3.fromStateDict(tv)).getMessage();
        assertTrue(m.contains("torchvision's ImageNet InceptionV3"), m);
    }

    @Test
    void poolingMatchesHandComputedValues() {
        // 1 x 1 x 3 x 3 with values 1..9
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        // average over in-image pixels only: corner (1+2+4+5)/4, edge (1+2+3+4+5+6)/6, centre 45/9
        assertArrayEquals(new float[]{3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}, Pooling.avgPoolExcludePad(x, 3, 1, 1).toArray(), 1e-6f);
        assertArrayEquals(new float[]{5, 6, 6, 8, 9, 9, 8, 9, 9}, Pooling.maxPool(x, 3, 1, 1).toArray(), 0f);
        assertArrayEquals(new float[]{9}, Pooling.maxPool(x, 3, 2, 0).toArray(), 0f);
        // 2 -> 4 bilinear, align_corners=False: source (o + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (edge)
        Tensor r = Pooling.resizeBilinear(Tensor.of(new float[]{0, 1}, 1, 1, 1, 2), 1, 4);
        assertArrayEquals(new float[]{0, 0.25f, 0.75f, 1}, r.toArray(), 1e-7f);
    }

    static void assertClose(Tensor want, Tensor got, double rel, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        float[] w = want.toArray(), g = got.toArray();
        double max = 0, err = 0;
        for (int i = 0; i < w.length; i++) {
            max = Math.max(max, Math.abs(w[i]));
            err = Math.max(err, Math.abs(w[i] - g[i]));
        }
        System.out.printf("%s: max |error| %.3g of max |value| %.3g (%.2g relative)%n", what, err, max, err / max);
        assertTrue(err <= rel * max, what + ": max |error| " + err + " > " + rel + " x " + max);
    }

    /** The strings of a flat JSON array of strings (no escapes in these key names). */
    static List<String> jsonStrings(String json) {
        List<String> out = new ArrayList<>();
        for (String part : json.replace("[", "").replace("]", "").split(",")) {
            String s = part.trim();
            if (!s.isEmpty()) out.add(s.substring(1, s.length() - 1));
        }
        return out;
    }
}
