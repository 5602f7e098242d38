package svg.nn.data;

import svg.tensor.Rng;

/** The augmentations used by the trainers. Each returns a new image; inputs are never modified. */
public final class Transforms {
    private Transforms() {}

    /** Grey (1 channel) to RGB by replicating the plane; 3-channel images pass through. */
    public static Transform toRgb() {
        return (img, rng) -> {
            if (img.channels() == 3) return img;
            if (img.channels() != 1) throw new IllegalArgumentException("toRgb: expected 1 or 3 channels, got " + img.channels());
            int n = img.height() * img.width();
            float[] d = new float[3 * n];
            for (int c = 0; c < 3; c++) System.arraycopy(img.data(), 0, d, c * n, n);
            return new Image(d, 3, img.height(), img.width());
        };
    }

    /**
     * Centres the image on a size x size canvas: pads with {@code fill} when smaller (28 -> 32 adds 2 pixels each
     * side), bilinearly resizes the shorter side to {@code size} and centre-crops when larger.
     */
    public static Transform fitTo(int size, float fill) {
        return (img, rng) -> {
            if (img.height() <= size && img.width() <= size) return pad(img, size, size, fill);
            double s = (double) size / Math.min(img.height(), img.width());
            Image r = resize(img, Math.max(size, (int) Math.round(img.height() * s)), Math.max(size, (int) Math.round(img.width() * s)));
            return crop(r, (r.height() - size) / 2, (r.width() - size) / 2, size, size);
        };
    }

    /** Random crop of size x size after zero-padding by {@code padding} on every side (the CIFAR augmentation). */
    public static Transform randomCrop(int size, int padding, float fill) {
        return (img, rng) -> {
            Image p = pad(img, img.height() + 2 * padding, img.width() + 2 * padding, fill);
            int y = rng.nextInt(p.height() - size + 1), x = rng.nextInt(p.width() - size + 1);
            return crop(p, y, x, size, size);
        };
    }

    /** Mirrors left-right with probability p. */
    public static Transform randomFlip(double p) {
        return (img, rng) -> rng.nextDouble() < p ? flip(img) : img;
    }

    /**
     * Brightness, contrast and saturation jitter: each factor uniform in [1 - s, 1 + s], applied in that order
     * (torchvision applies them in random order; a fixed order is simpler and keeps the RNG stream short).
     */
    public static Transform colorJitter(float brightness, float contrast, float saturation) {
        return (img, rng) -> {
            float b = 1 + brightness * (2 * rng.nextFloat() - 1);
            float c = 1 + contrast * (2 * rng.nextFloat() - 1);
            float s = 1 + saturation * (2 * rng.nextFloat() - 1);
            Image o = img.copy();
            float[] d = o.data();
            for (int i = 0; i < d.length; i++) d[i] = clamp01(d[i] * b);
            int n = o.height() * o.width(), ch = o.channels();
            double mean = 0;
            for (float v : d) mean += v;
            mean /= d.length;
            for (int i = 0; i < d.length; i++) d[i] = clamp01((float) (mean + c * (d[i] - mean)));
            if (ch == 3) {
                for (int p = 0; p < n; p++) {
                    float g = 0.299f * d[p] + 0.587f * d[n + p] + 0.114f * d[2 * n + p];
                    for (int k = 0; k < 3; k++) d[k * n + p] = clamp01(g + s * (d[k * n + p] - g));
                }
            }
            return o;
        };
    }

    /**
     * Random-resized crop (the DINO multi-crop view): a box covering a fraction in [minScale, maxScale] of the area
     * with aspect ratio in [3/4, 4/3] (log-uniform), bilinearly resized to size x size.
     */
    public static Transform randomResizedCrop(int size, double minScale, double maxScale) {
        return (img, rng) -> {
            int h = img.height(), w = img.width();
            double area = (double) h * w;
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = area * (minScale + (maxScale - minScale) * rng.nextDouble());
                double logR = Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * rng.nextDouble();
                double ar = Math.exp(logR);
                int cw = (int) Math.round(Math.sqrt(target * ar)), chh = (int) Math.round(Math.sqrt(target / ar));
                if (cw >= 1 && chh >= 1 && cw <= w && chh <= h) {
                    int y = rng.nextInt(h - chh + 1), x = rng.nextInt(w - cw + 1);
                    return resize(crop(img, y, x, chh, cw), size, size);
                }
            }
            return resize(img, size, size);
        };
    }

    // ------------------------------------------------------------------ primitives

    static float clamp01(float v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

    public static Image pad(Image img, int h, int w, float fill) {
        if (h < img.height() || w < img.width()) throw new IllegalArgumentException("pad: target " + h + "x" + w + " smaller than image " + img.height() + "x" + img.width());
        Image o = Image.zeros(img.channels(), h, w);
        java.util.Arrays.fill(o.data(), fill);
        int oy = (h - img.height()) / 2, ox = (w - img.width()) / 2;
        for (int c = 0; c < img.channels(); c++)
            for (int y = 0; y < img.height(); y++)
                System.arraycopy(img.data(), (c * img.height() + y) * img.width(), o.data(), (c * h + y + oy) * w + ox, img.width());
        return o;
    }

    public static Image crop(Image img, int y0, int x0, int h, int w) {
        if (y0 < 0 || x0 < 0 || y0 + h > img.height() || x0 + w > img.width())
            throw new IllegalArgumentException("crop " + h + "x" + w + " at (" + y0 + "," + x0 + ") outside " + img.height() + "x" + img.width());
        Image o = Image.zeros(img.channels(), h, w);
        for (int c = 0; c < img.channels(); c++)
            for (int y = 0; y < h; y++)
                System.arraycopy(img.data(), (c * img.height() + y0 + y) * img.width() + x0, o.data(), (c * h + y) * w, w);
        return o;
    }

    public static Image flip(Image img) {
        Image o = Image.zeros(img.channels(), img.height(), img.width());
        int w = img.width();
        for (int c = 0; c < img.channels(); c++)
            for (int y = 0; y < img.height(); y++) {
                int row = (c * img.height() + y) * w;
                for (int x = 0; x < w; x++) o.data()[row + x] = img.data()[row + w - 1 - x];
            }
        return o;
    }

    /** Bilinear resize with half-pixel centres (align_corners=False), no antialiasing. */
    public static Image resize(Image img, int h, int w) {
        if (h == img.height() && w == img.width()) return img.copy();
        Image o = Image.zeros(img.channels(), h, w);
        int ih = img.height(), iw = img.width();
        double sy = (double) ih / h, sx = (double) iw / w;
        for (int y = 0; y < h; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, ih - 1), y1 = Math.min(y0 + 1, ih - 1);
            float ay = (float) (fy - y0);
            for (int x = 0; x < w; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, iw - 1), x1 = Math.min(x0 + 1, iw - 1);
                float ax = (float) (fx - x0);
                for (int c = 0; c < img.channels(); c++) {
                    float v00 = img.get(c, y0, x0), v01 = img.get(c, y0, x1), v10 = img.get(c, y1, x0), v11 = img.get(c, y1, x1);
                    float top = v00 + ax * (v01 - v00), bot = v10 + ax * (v11 - v10);
                    o.set(c, y, x, top + ay * (bot - top));
                }
            }
        }
        return o;
    }
}
