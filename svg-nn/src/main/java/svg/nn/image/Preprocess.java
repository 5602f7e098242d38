package svg.nn.image;

import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * The official SVG input preprocessing: ADM's {@code center_crop_arr} (guided-diffusion, reused by DiT and SVG).
 * While the shorter side is at least twice the target, halve the image with a BOX filter; then scale so the shorter
 * side equals the target with BICUBIC (Python's round-half-even on the new size); then cut the centre square.
 * The halving steps matter: they make large images average down rather than alias.
 *
 * <p>Differences from the Python pipeline: we resample in float and do not round to 8 bits between Pillow's
 * passes (at most one 8-bit level apart), and the result is clamped to [0, 1] as a uint8 round trip would.
 */
public final class Preprocess {
    private Preprocess() {}

    /**
     * Centres img [C, H, W] (both sides at most {@code size}) on a size x size canvas of {@code fill}: how small
     * data sets such as Fashion-MNIST (28 -> 32) are brought to the model size without resampling. Offsets round down,
     * like the training transform.
     */
    public static Tensor pad(Tensor img, int size, float fill) {
        if (img.dim() != 3) throw new IllegalArgumentException("pad expects [C, H, W], got " + Arrays.toString(img.shape()));
        int c = img.size(0), h = img.size(1), w = img.size(2);
        if (h > size || w > size) throw new IllegalArgumentException("pad: image " + w + "x" + h + " is larger than " + size + "x" + size);
        float[] src = img.toArray(), dst = new float[c * size * size];
        Arrays.fill(dst, fill);
        int oy = (size - h) / 2, ox = (size - w) / 2;
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++) System.arraycopy(src, (ch * h + y) * w, dst, (ch * size + y + oy) * size + ox, w);
        return Tensor.of(dst, c, size, size);
    }

    /** ADM center crop of img [C, H, W] in [0, 1] to [C, size, size]. */
    public static Tensor centerCrop(Tensor img, int size) {
        if (img.dim() != 3) throw new IllegalArgumentException("centerCrop expects [C, H, W], got " + Arrays.toString(img.shape()));
        if (size < 1) throw new IllegalArgumentException("crop size must be positive, got " + size);
        Tensor x = img;
        int h = x.size(1), w = x.size(2);
        while (Math.min(h, w) >= 2 * size) {
            h /= 2;
            w /= 2;
            x = Resample.resize(x, h, w, Resample.Filter.BOX);
        }
        double scale = (double) size / Math.min(h, w);
        int nh = (int) Math.rint(h * scale), nw = (int) Math.rint(w * scale);
        if (nh != h || nw != w) x = Resample.resize(x, nh, nw, Resample.Filter.BICUBIC);
        int top = (nh - size) / 2, left = (nw - size) / 2;
        Tensor crop = x.narrow(1, top, size).narrow(2, left, size);
        float[] d = crop.toArray();
        for (int i = 0; i < d.length; i++) d[i] = Math.min(1f, Math.max(0f, d[i]));
        return Tensor.of(d, x.size(0), size, size);
    }
}
