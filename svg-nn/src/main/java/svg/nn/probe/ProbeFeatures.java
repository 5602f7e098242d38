package svg.nn.probe;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.data.Dataset;
import svg.nn.data.Image;
import svg.nn.data.Transform;
import svg.nn.data.Transforms;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.function.UnaryOperator;

/**
 * Frozen features of a dataset's first {@code limit} images, each made into a size x size RGB image in [0, 1] the
 * way the trainers see it (grey replicated, Fashion-MNIST's 28x28 padded to 32x32 with black).
 */
public final class ProbeFeatures {
    private ProbeFeatures() {}

    /** Which tokens of a ViT make the feature vector. */
    public enum Pooling {
        /** the normed class token [D] (DINO's kNN evaluation) */
        CLS,
        /** the mean of the normed patch tokens [D] */
        MEAN,
        /** class token and mean patch token concatenated [2D] (DINO's linear evaluation) */
        CLS_MEAN,
        /** every normed patch token, flattened [HW x D] */
        PATCHES;

        public static Pooling parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "cls" -> CLS;
                case "mean" -> MEAN;
                case "cls+mean", "cls_mean" -> CLS_MEAN;
                case "patches" -> PATCHES;
                default -> throw new IllegalArgumentException("unknown pooling '" + s + "' (cls, mean, cls+mean, patches)");
            };
        }
    }

    /** Raw pixels: one plane of the size x size image (all three planes are equal for grey data) [size^2]. */
    public static FeatureSet pixels(Dataset data, int limit, int size) {
        int n = count(data, limit), d = size * size;
        float[] x = new float[n * d];
        int[] y = new int[n];
        Transform t = prepare(size);
        for (int i = 0; i < n; i++) {
            var ex = data.get(i);
            System.arraycopy(t.apply(ex.image(), new Rng(0)).data(), 0, x, i * d, d);
            y[i] = ex.label();
        }
        return new FeatureSet(x, n, d, y);
    }

    /** Features of a frozen DINOv3 ViT (ImageNet-normalised input, as SVG feeds its encoder). */
    public static FeatureSet encoder(DinoVisionTransformer vit, Dataset data, int limit, Pooling pooling, int batch) {
        int size = vit.config.img_size();
        return batched(data, limit, size, batch, imgs -> {
            DinoVisionTransformer.Features f = vit.forwardFeatures(SvgAutoencoder.imagenetNormalize(imgs));
            Tensor patches = f.x_norm_patchtokens();
            return switch (pooling) {
                case CLS -> f.x_norm_clstoken();
                case MEAN -> patches.mean(1, false);
                case CLS_MEAN -> Tensor.cat(1, f.x_norm_clstoken(), patches.mean(1, false));
                case PATCHES -> patches.reshape(patches.size(0), -1);
            };
        });
    }

    /**
     * Any batch function of images [B, 3, size, size] in [0, 1] to features [B, ...] (flattened), e.g. an
     * autoencoder's latent. Batches are fixed at {@code batch} images so batch-dependent encoders give the same
     * features on every run.
     */
    public static FeatureSet batched(Dataset data, int limit, int size, int batch, UnaryOperator<Tensor> features) {
        int n = count(data, limit);
        Transform t = prepare(size);
        float[] x = null;
        int d = -1;
        int[] y = new int[n];

        for (int b0 = 0; b0 < n; b0 += batch) {
            int rows = Math.min(batch, n - b0);
            float[] img = new float[rows * 3 * size * size];
            for (int r = 0; r < rows; r++) {
                var ex = data.get(b0 + r);
                Image im = t.apply(ex.image(), new Rng(0));
                System.arraycopy(im.data(), 0, img, r * 3 * size * size, 3 * size * size);
                y[b0 + r] = ex.label();
            }
            float[] f;
            try (var ng = GradMode.noGrad()) {
                f = features.apply(Tensor.of(img, rows, 3, size, size)).toArray();
            }
            if (x == null) {
                d = f.length / rows;
                x = new float[Math.multiplyExact(n, d)];
            }
            if (f.length != rows * d) throw new IllegalStateException("feature size changed between batches: " + f.length / rows + " vs " + d);
            System.arraycopy(f, 0, x, b0 * d, f.length);
        }
        return new FeatureSet(x, n, d, y);
    }

    private static Transform prepare(int size) { return Transforms.toRgb().then(Transforms.fitTo(size, 0f)); }

    private static int count(Dataset data, int limit) {
        int n = limit <= 0 ? data.size() : Math.min(limit, data.size());
        if (n < 1) throw new IllegalArgumentException("no images to probe");
        return n;
    }
}
