package svg.nn.lpips;

import svg.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * LPIPS distance, VGG variant, version 0.1 (richzhang/PerceptualSimilarity, {@code lpips.LPIPS(net='vgg')}), for
 * images in [-1, 1] (the package's {@code normalize=False}):
 * <pre>
 *   f_k = VGG16 tap k of (x - shift) / scale                  (ScalingLayer)
 *   n_k = f_k / (||f_k||_channels + 1e-10)                      (normalize_tensor)
 *   d   = sum_k mean_{h,w} conv1x1(lin_k, (n_k(x0) - n_k(x1))^2)
 * </pre>
 * The lin weights are the official {@code lin{k}.model.1.weight} [1, C_k, 1, 1] (no bias). Everything is
 * differentiable with respect to both images; the VGG and lin weights are frozen.
 */
public final class Lpips {
    /** ScalingLayer constants of the official code (ImageNet statistics mapped to [-1, 1] inputs). */
    static final float[] SHIFT = {-.030f, -.088f, -.188f};
    static final float[] SCALE = {.458f, .448f, .450f};
    static final float EPS = 1e-10f;

    private final Vgg16Features vgg;
    private final Tensor[] lin = new Tensor[5];
    private final Tensor shift = Tensor.of(SHIFT.clone(), 1, 3, 1, 1), scale = Tensor.of(SCALE.clone(), 1, 3, 1, 1);

    /** @param lins the five lin weights, [1, C_k, 1, 1] with C = 64, 128, 256, 512, 512 */
    public Lpips(Vgg16Features vgg, List<Tensor> lins) {
        if (lins.size() != 5) throw new IllegalArgumentException("LPIPS needs 5 lin weights, got " + lins.size());
        this.vgg = vgg;
        for (int k = 0; k < 5; k++) {
            int[] want = {1, Vgg16Features.TAP_CHANNELS[k], 1, 1};
            if (!Arrays.equals(lins.get(k).shape(), want))
                throw new IllegalArgumentException("LPIPS lin" + k + " weight has shape " + Arrays.toString(lins.get(k).shape()) + ", expected " + Arrays.toString(want));
            lin[k] = lins.get(k).detach();
        }
    }

    /** Unit length over channels. The 1e-20 under the root keeps the gradient finite where a pixel's features are all 0 (ReLU), without changing any value float32 can tell apart. */
    private static Tensor normalize(Tensor f) {
        return f.div(f.square().sum(1, true).add(1e-20f).sqrt().add(EPS));
    }

    /** One distance per image pair: [N] for x0, x1 of [N, 3, H, W] in [-1, 1]. */
    public Tensor distance(Tensor x0, Tensor x1) {
        if (!Arrays.equals(x0.shape(), x1.shape()))
            throw new IllegalArgumentException("LPIPS inputs differ in shape: " + Arrays.toString(x0.shape()) + " vs " + Arrays.toString(x1.shape()));
        int n = x0.size(0);
        List<Tensor> f0 = vgg.taps(x0.sub(shift).div(scale)), f1 = vgg.taps(x1.sub(shift).div(scale));
        Tensor total = null;
        for (int k = 0; k < 5; k++) {
            Tensor d = normalize(f0.get(k)).sub(normalize(f1.get(k))).square();
            Tensor layer = d.conv2d(lin[k], null, 1, 0).mean(new int[]{2, 3}, false).reshape(n);
            total = total == null ? layer : total.add(layer);
        }
        return total;
    }
}
