package svg.nn.inception;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * InceptionV3 as pytorch-fid runs it for FID ({@code pytorch_fid.inception.fid_inception_v3}, block 3 = pool3):
 * torchvision's Inception3 stem and blocks, with FIDInceptionA / FIDInceptionC / FIDInceptionE_1 averaging only the
 * in-image pixels in their pooling branch (TensorFlow's average pool; {@code count_include_pad=False}) and
 * FIDInceptionE_2 (Mixed_7c) max-pooling there instead. Parameter names are the state-dict keys of
 * {@code pt_inception-2015-12-05-6726825d.pth}; {@code fc.*} is not used.
 *
 * <pre>
 *   images [N, 3, H, W] in [0, 1] -> bilinear 299x299 -> 2x - 1
 *   Conv2d_1a_3x3 s2 -> 2a -> 2b -> maxpool 3/2          [64, 73, 73]
 *   Conv2d_3b_1x1 -> 4a -> maxpool 3/2                    [192, 35, 35]
 *   Mixed_5b, 5c, 5d (A) -> 6a (B) -> 6b..6e (C)          [768, 17, 17]
 *   Mixed_7a (D) -> 7b (E_1) -> 7c (E_2)                  [2048, 8, 8]
 *   global average pool                                   [2048]  (pool3)
 * </pre>
 * Every convolution is torchvision's BasicConv2d: conv without bias, BatchNorm2d(eps = 0.001) in eval mode (folded
 * into the conv's weight and bias at load), ReLU.
 */
public final class FidInceptionV3 {
    public static final int INPUT_SIZE = 299, FEATURES = 2048;
    static final double BN_EPS = 1e-3;
    /** Images per forward: activations of one 299 px image peak at about 6 MB per branch tensor. */
    static final int CHUNK = 8;

    private final Conv conv1a, conv2a, conv2b, conv3b, conv4a;
    private final Block[] mixed;

    private FidInceptionV3(Weights w) {
        conv1a = w.conv("Conv2d_1a_3x3", 3, 32, 3, 3, 2, 0, 0);
        conv2a = w.conv("Conv2d_2a_3x3", 32, 32, 3, 3, 1, 0, 0);
        conv2b = w.conv("Conv2d_2b_3x3", 32, 64, 3, 3, 1, 1, 1);
        conv3b = w.conv("Conv2d_3b_1x1", 64, 80, 1, 1, 1, 0, 0);
        conv4a = w.conv("Conv2d_4a_3x3", 80, 192, 3, 3, 1, 0, 0);
        mixed = new Block[]{
                new A(w, "Mixed_5b", 192, 32), new A(w, "Mixed_5c", 256, 64), new A(w, "Mixed_5d", 288, 64),
                new B(w, "Mixed_6a", 288),
                new C(w, "Mixed_6b", 768, 128), new C(w, "Mixed_6c", 768, 160), new C(w, "Mixed_6d", 768, 160), new C(w, "Mixed_6e", 768, 192),
                new D(w, "Mixed_7a", 768),
                new E(w, "Mixed_7b", 1280, false), new E(w, "Mixed_7c", 2048, true)};
    }

    /**
     * The network from a pytorch-fid state dict (any tensors of other models are rejected by name; {@code fc.*},
     * {@code AuxLogits.*} and {@code *.num_batches_tracked} are ignored). Missing keys, wrong shapes and unexpected
     * keys give one IllegalArgumentException naming them.
     */
    public static FidInceptionV3 fromStateDict(Map<String, Tensor> stateDict) {
        Weights w = new Weights(stateDict);
        FidInceptionV3 net = new FidInceptionV3(w);
        w.finish();
        return net;
    }

    /** The BasicConv2d layers in torchvision's module (= state-dict) order: the weight layout this class expects. */
    public static List<ConvSpec> layout() {
        Weights w = new Weights(null);
        new FidInceptionV3(w);
        return List.copyOf(w.specs);
    }

    /** One BasicConv2d: its name prefix and the shape of {@code <name>.conv.weight} [out, in, kh, kw]. */
    public record ConvSpec(String name, int in, int out, int kh, int kw) {
        /** The five state-dict keys of this layer. */
        public List<String> keys() {
            return List.of(name + ".conv.weight", name + ".bn.weight", name + ".bn.bias", name + ".bn.running_mean", name + ".bn.running_var");
        }
    }

    /** pool3 features [N, 2048] of images [N, 3, H, W] in [0, 1], as pytorch-fid (resize_input, normalize_input). */
    public Tensor features(Tensor images01) {
        if (images01.dim() != 4 || images01.size(1) != 3)
            throw new IllegalArgumentException("Inception features need RGB images [N, 3, H, W] in [0, 1], got " + Arrays.toString(images01.shape()));
        int n = images01.size(0);
        List<Tensor> parts = new ArrayList<>();
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < n; s += CHUNK) parts.add(pool3(preprocess(images01.narrow(0, s, Math.min(CHUNK, n - s)))));
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts);
    }

    /** Bilinear resize to 299x299 (align_corners=False), then [0, 1] -> [-1, 1]. */
    public static Tensor preprocess(Tensor images01) {
        return Pooling.resizeBilinear(images01, INPUT_SIZE, INPUT_SIZE).mul(2f).sub(1f);
    }

    /** pool3 [N, 2048] of preprocessed images [N, 3, H, W] (H, W >= 75). */
    public Tensor pool3(Tensor x) { return Pooling.globalMean(block2(x, null)); }

    /**
     * Runs the network to the end of Mixed_7c; {@code taps} (nullable) receives the per-channel spatial means after
     * blocks 0, 1 and 2 of pytorch-fid (after each stem max pool and after Mixed_6e), for localising differences.
     */
    Tensor block2(Tensor x, Map<String, Tensor> taps) {
        x = Pooling.maxPool(conv2b.apply(conv2a.apply(conv1a.apply(x))), 3, 2, 0);
        if (taps != null) taps.put("block0", Pooling.globalMean(x));
        x = Pooling.maxPool(conv4a.apply(conv3b.apply(x)), 3, 2, 0);
        if (taps != null) taps.put("block1", Pooling.globalMean(x));
        for (Block b : mixed) {
            x = b.apply(x);
            if (taps != null && b.name().equals("Mixed_6e")) taps.put("block2", Pooling.globalMean(x));
        }
        return x;
    }

    // ------------------------------------------------------------------ layers

    /** BasicConv2d with its batch norm folded: relu(conv(x, w * s) + (beta - mean * s)), s = gamma / sqrt(var + eps). */
    record Conv(Tensor weight, Tensor bias, int stride, int padH, int padW) {
        Tensor apply(Tensor x) {
            // the conv op pads both axes alike; the 1x7 / 7x1 (1x3 / 3x1) kernels pad one axis only
            if (padH == padW) return x.conv2d(weight, bias, stride, padH).relu();
            return Pooling.pad(x, padH, padW).conv2d(weight, bias, stride, 0).relu();
        }
    }

    interface Block {
        String name();

        Tensor apply(Tensor x);
    }

    /** FIDInceptionA (Mixed_5b/c/d): 1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avgpool (no pad counted) -> 1x1. */
    record A(String name, Conv b1, Conv b5a, Conv b5b, Conv d1, Conv d2, Conv d3, Conv pool) implements Block {
        A(Weights w, String n, int in, int poolFeatures) {
            this(n, w.conv(n + ".branch1x1", in, 64, 1, 1, 1, 0, 0),
                    w.conv(n + ".branch5x5_1", in, 48, 1, 1, 1, 0, 0), w.conv(n + ".branch5x5_2", 48, 64, 5, 5, 1, 2, 2),
                    w.conv(n + ".branch3x3dbl_1", in, 64, 1, 1, 1, 0, 0), w.conv(n + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1),
                    w.conv(n + ".branch3x3dbl_3", 96, 96, 3, 3, 1, 1, 1),
                    w.conv(n + ".branch_pool", in, poolFeatures, 1, 1, 1, 0, 0));
        }

        @Override
        public Tensor apply(Tensor x) {
            return Tensor.cat(1, b1.apply(x), b5b.apply(b5a.apply(x)), d3.apply(d2.apply(d1.apply(x))),
                    pool.apply(Pooling.avgPoolExcludePad(x, 3, 1, 1)));
        }
    }

    /** InceptionB (Mixed_6a), grid reduction 35 -> 17: 3x3 s2 | 1x1 -> 3x3 -> 3x3 s2 | maxpool 3/2. */
    record B(String name, Conv b3, Conv d1, Conv d2, Conv d3) implements Block {
        B(Weights w, String n, int in) {
            this(n, w.conv(n + ".branch3x3", in, 384, 3, 3, 2, 0, 0),
                    w.conv(n + ".branch3x3dbl_1", in, 64, 1, 1, 1, 0, 0), w.conv(n + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1),
                    w.conv(n + ".branch3x3dbl_3", 96, 96, 3, 3, 2, 0, 0));
        }

        @Override
        public Tensor apply(Tensor x) {
            return Tensor.cat(1, b3.apply(x), d3.apply(d2.apply(d1.apply(x))), Pooling.maxPool(x, 3, 2, 0));
        }
    }

    /** FIDInceptionC (Mixed_6b..e): 1x1 | 1x1 -> 1x7 -> 7x1 | 1x1 -> 7x1 -> 1x7 -> 7x1 -> 1x7 | avgpool -> 1x1. */
    record C(String name, Conv b1, Conv s1, Conv s2, Conv s3, Conv d1, Conv d2, Conv d3, Conv d4, Conv d5, Conv pool) implements Block {
        C(Weights w, String n, int in, int c7) {
            this(n, w.conv(n + ".branch1x1", in, 192, 1, 1, 1, 0, 0),
                    w.conv(n + ".branch7x7_1", in, c7, 1, 1, 1, 0, 0), w.conv(n + ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3),
                    w.conv(n + ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0),
                    w.conv(n + ".branch7x7dbl_1", in, c7, 1, 1, 1, 0, 0), w.conv(n + ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0),
                    w.conv(n + ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3), w.conv(n + ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0),
                    w.conv(n + ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3),
                    w.conv(n + ".branch_pool", in, 192, 1, 1, 1, 0, 0));
        }

        @Override
        public Tensor apply(Tensor x) {
            return Tensor.cat(1, b1.apply(x), s3.apply(s2.apply(s1.apply(x))),
                    d5.apply(d4.apply(d3.apply(d2.apply(d1.apply(x))))), pool.apply(Pooling.avgPoolExcludePad(x, 3, 1, 1)));
        }
    }

    /** InceptionD (Mixed_7a), grid reduction 17 -> 8: 1x1 -> 3x3 s2 | 1x1 -> 1x7 -> 7x1 -> 3x3 s2 | maxpool 3/2. */
    record D(String name, Conv a1, Conv a2, Conv s1, Conv s2, Conv s3, Conv s4) implements Block {
        D(Weights w, String n, int in) {
            this(n, w.conv(n + ".branch3x3_1", in, 192, 1, 1, 1, 0, 0), w.conv(n + ".branch3x3_2", 192, 320, 3, 3, 2, 0, 0),
                    w.conv(n + ".branch7x7x3_1", in, 192, 1, 1, 1, 0, 0), w.conv(n + ".branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3),
                    w.conv(n + ".branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0), w.conv(n + ".branch7x7x3_4", 192, 192, 3, 3, 2, 0, 0));
        }

        @Override
        public Tensor apply(Tensor x) {
            return Tensor.cat(1, a2.apply(a1.apply(x)), s4.apply(s3.apply(s2.apply(s1.apply(x)))), Pooling.maxPool(x, 3, 2, 0));
        }
    }

    /**
     * FIDInceptionE_1 (Mixed_7b: average pool, no pad counted) and FIDInceptionE_2 (Mixed_7c: max pool 3/1/1):
     * 1x1 | 1x1 -> (1x3, 3x1) | 1x1 -> 3x3 -> (1x3, 3x1) | pool -> 1x1.
     */
    record E(String name, boolean maxPool, Conv b1, Conv t1, Conv t2a, Conv t2b, Conv d1, Conv d2, Conv d3a, Conv d3b, Conv pool) implements Block {
        E(Weights w, String n, int in, boolean maxPool) {
            this(n, maxPool, w.conv(n + ".branch1x1", in, 320, 1, 1, 1, 0, 0),
                    w.conv(n + ".branch3x3_1", in, 384, 1, 1, 1, 0, 0), w.conv(n + ".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1),
                    w.conv(n + ".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0),
                    w.conv(n + ".branch3x3dbl_1", in, 448, 1, 1, 1, 0, 0), w.conv(n + ".branch3x3dbl_2", 448, 384, 3, 3, 1, 1, 1),
                    w.conv(n + ".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1), w.conv(n + ".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0),
                    w.conv(n + ".branch_pool", in, 192, 1, 1, 1, 0, 0));
        }

        @Override
        public Tensor apply(Tensor x) {
            Tensor t = t1.apply(x), d = d2.apply(d1.apply(x));
            Tensor p = maxPool ? Pooling.maxPool(x, 3, 1, 1) : Pooling.avgPoolExcludePad(x, 3, 1, 1);
            return Tensor.cat(1, b1.apply(x), t2a.apply(t), t2b.apply(t), d3a.apply(d), d3b.apply(d), pool.apply(p));
        }
    }

    // ------------------------------------------------------------------ weights

    /** Takes BasicConv2d weights out of a state dict (or only records the layout when it is null), collecting problems. */
    static final class Weights {
        private final Map<String, Tensor> sd;
        final List<ConvSpec> specs = new ArrayList<>();
        private final Set<String> used = new LinkedHashSet<>();
        private final List<String> missing = new ArrayList<>(), badShape = new ArrayList<>();

        Weights(Map<String, Tensor> sd) { this.sd = sd; }

        Conv conv(String name, int in, int out, int kh, int kw, int stride, int padH, int padW) {
            ConvSpec spec = new ConvSpec(name, in, out, kh, kw);
            specs.add(spec);
            if (sd == null) return null;
            Tensor w = take(name + ".conv.weight", out, in, kh, kw);
            Tensor gamma = take(name + ".bn.weight", out), beta = take(name + ".bn.bias", out);
            Tensor mean = take(name + ".bn.running_mean", out), var = take(name + ".bn.running_var", out);
            if (w == null || gamma == null || beta == null || mean == null || var == null) return null;
            float[] wd = w.toArray(), g = gamma.toArray(), b = beta.toArray(), m = mean.toArray(), v = var.toArray();
            float[] fw = new float[wd.length], fb = new float[out];
            int per = in * kh * kw;
            for (int o = 0; o < out; o++) {
                double s = g[o] / Math.sqrt(v[o] + BN_EPS);
                for (int i = 0; i < per; i++) fw[o * per + i] = (float) (wd[o * per + i] * s);
                fb[o] = (float) (b[o] - m[o] * s);
            }
            return new Conv(Tensor.of(fw, out, in, kh, kw), Tensor.of(fb, out), stride, padH, padW);
        }

        private Tensor take(String key, int... shape) {
            used.add(key);
            Tensor t = sd.get(key);
            if (t == null) {
                missing.add(key);
                return null;
            }
            if (!Arrays.equals(t.shape(), shape)) {
                badShape.add(key + " " + Arrays.toString(t.shape()) + " (expected " + Arrays.toString(shape) + ")");
                return null;
            }
            return t;
        }

        void finish() {
            List<String> unexpected = new ArrayList<>();
            for (String k : sd.keySet())
                if (!used.contains(k) && !ignored(k)) unexpected.add(k);
            List<String> problems = new ArrayList<>();
            if (!missing.isEmpty()) problems.add(missing.size() + " missing: " + list(missing));
            if (!badShape.isEmpty()) problems.add(badShape.size() + " with the wrong shape: " + list(badShape));
            if (!unexpected.isEmpty()) problems.add(unexpected.size() + " unexpected: " + list(unexpected));
            Tensor fc = sd.get("fc.weight");
            if (problems.isEmpty() && fc != null && fc.dim() == 2 && fc.size(0) != 1008)
                problems.add("fc.weight has " + fc.size(0) + " classes, not the 1008 of the FID Inception graph: this looks like "
                        + "torchvision's ImageNet InceptionV3, whose features differ from standard FID's");
            if (!problems.isEmpty())
                throw new IllegalArgumentException("not pytorch-fid InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth): keys "
                        + String.join("; ", problems));
        }

        private static boolean ignored(String k) {
            return k.startsWith("fc.") || k.startsWith("AuxLogits.") || k.endsWith(".num_batches_tracked");
        }

        private static String list(List<String> keys) {
            return keys.size() <= 8 ? String.join(", ", keys) : String.join(", ", keys.subList(0, 8)) + ", ... (" + (keys.size() - 8) + " more)";
        }
    }
}
