package svg.nn.train.eval;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent judge for generated images: a small CNN trained on Fashion-MNIST pixels (never on latents or on
 * generated images), used to check that samples of class k are recognised as class k.
 *
 * <pre>
 *   grey 28x28 -> conv 3x3 s2 (1->16) -> GELU -> conv 3x3 s2 (16->32) -> GELU   [32, 7, 7]
 *              -> flatten -> linear 1568->128 -> GELU -> linear 128->classes
 * </pre>
 * Inputs of any size >= 28 and 1 or 3 channels in [0, 1] are converted to grey (channel mean) and centre-cropped to
 * 28x28, so 32x32 RGB model samples (Fashion-MNIST padded by 2) line up with the training images.
 */
public final class PixelClassifier {
    public static final int SIZE = 28;
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final int classes;

    public PixelClassifier(int classes, Rng rng) {
        this.classes = classes;
        add("conv1.weight", uniform(rng, 9, 16, 1, 3, 3));
        add("conv1.bias", Tensor.zeros(16));
        add("conv2.weight", uniform(rng, 16 * 9, 32, 16, 3, 3));
        add("conv2.bias", Tensor.zeros(32));
        add("fc1.weight", uniform(rng, 32 * 49, 128, 32 * 49));
        add("fc1.bias", Tensor.zeros(128));
        add("fc2.weight", uniform(rng, 128, classes, 128));
        add("fc2.bias", Tensor.zeros(classes));
    }

    private void add(String k, Tensor t) { params.put(k, t.requiresGrad(true)); }

    /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)) * sqrt(3): variance 1/fanIn (LeCun), suited to GELU nets this shallow. */
    private static Tensor uniform(Rng rng, int fanIn, int... shape) {
        float b = (float) Math.sqrt(3.0 / fanIn);
        return Tensor.rand(rng, -b, b, shape);
    }

    public Map<String, Tensor> parameters() { return params; }

    public int numClasses() { return classes; }

    /** Grey, centre-cropped 28x28 [B, 1, 28, 28] from [B, C, H, W] in [0, 1]. */
    public static Tensor prepare(Tensor images) {
        if (images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3) || images.size(2) < SIZE || images.size(3) < SIZE)
            throw new IllegalArgumentException("classifier input must be [B, 1|3, >=28, >=28], got " + Arrays.toString(images.shape()));
        Tensor g = images.size(1) == 1 ? images : images.mean(1, true);
        int oy = (g.size(2) - SIZE) / 2, ox = (g.size(3) - SIZE) / 2;
        return g.narrow(2, oy, SIZE).narrow(3, ox, SIZE).contiguous();
    }

    /** Logits [B, classes]. */
    public Tensor logits(Tensor images) {
        return hidden(prepare(images)).linear(params.get("fc2.weight"), params.get("fc2.bias"));
    }

    /** Up to the penultimate layer: GELU(fc1(...)) [B, 128] of prepared [B, 1, 28, 28] images. */
    private Tensor hidden(Tensor x) {
        x = x.conv2d(params.get("conv1.weight"), params.get("conv1.bias"), 2, 1).gelu();
        x = x.conv2d(params.get("conv2.weight"), params.get("conv2.bias"), 2, 1).gelu();
        x = x.reshape(x.size(0), -1);
        return x.linear(params.get("fc1.weight"), params.get("fc1.bias")).gelu();
    }

    /** Width of {@link #features}: the fc1 activations. */
    public static final int FEATURE_DIM = 128;

    /**
     * The penultimate-layer activations, GELU(fc1(...)) [B, 128], for the Frechet distance "FD-FMNIST"; evaluated in
     * chunks of 256 with autograd off. Inputs as for {@link #logits}.
     */
    public Tensor features(Tensor images) {
        int n = images.size(0);
        java.util.List<Tensor> parts = new java.util.ArrayList<>();
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < n; s += 256) {
                parts.add(hidden(prepare(images.narrow(0, s, Math.min(256, n - s)))));
            }
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts);
    }

    /** Mean cross-entropy against {@code labels}. */
    public Tensor loss(Tensor images, int[] labels) {
        Tensor lp = logits(images).logSoftmax(-1);
        float[] oh = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) oh[i * classes + labels[i]] = 1;
        return lp.mul(Tensor.of(oh, labels.length, classes)).sum().mul(-1f / labels.length);
    }

    /** Arg-max predictions, evaluated in chunks of 256 with autograd off. */
    public int[] predict(Tensor images) {
        int n = images.size(0);
        int[] out = new int[n];
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < n; s += 256) {
                int len = Math.min(256, n - s);
                float[] l = logits(images.narrow(0, s, len)).toArray();
                for (int i = 0; i < len; i++) {
                    int best = 0;
                    for (int k = 1; k < classes; k++) if (l[i * classes + k] > l[i * classes + best]) best = k;
                    out[s + i] = best;
                }
            }
        }
        return out;
    }

    public void load(Map<String, Tensor> weights) { svg.nn.optim.Params.assign(params, weights); }
}
