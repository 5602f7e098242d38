package svg.nn.image;

import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * Several images in one: a grid like torchvision's {@code make_grid} (images of [N, C, H, W] laid out row by row,
 * {@code padding} pixels of {@code padValue} around and between them) and a horizontal strip.
 */
public final class ImageGrid {
    /** make_grid's defaults. */
    public static final int DEFAULT_PADDING = 2;

    private ImageGrid() {}

    /** Columns for a roughly square grid of n images. */
    public static int squareColumns(int n) { return Math.max(1, (int) Math.ceil(Math.sqrt(n))); }

    /** Roughly square grid, padding 2, black. */
    public static Tensor grid(Tensor images) { return grid(images, squareColumns(images.size(0)), DEFAULT_PADDING, 0f); }

    /**
     * [N, C, H, W] to [C, rows*(H+p)+p, cols*(W+p)+p] with {@code columns} images per row (the last row may be
     * short; empty cells keep the pad value).
     */
    public static Tensor grid(Tensor images, int columns, int padding, float padValue) {
        int[] s = images.shape();
        if (s.length != 4 || s[0] < 1) throw new IllegalArgumentException("grid expects [N, C, H, W] with N >= 1, got " + Arrays.toString(s));
        if (columns < 1) throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        if (padding < 0) throw new IllegalArgumentException("padding must be >= 0, got " + padding);
        int n = s[0], c = s[1], h = s[2], w = s[3];
        int cols = Math.min(columns, n), rows = (n + cols - 1) / cols;
        int gh = rows * (h + padding) + padding, gw = cols * (w + padding) + padding;
        float[] src = images.toArray();
        float[] dst = new float[c * gh * gw];
        Arrays.fill(dst, padValue);
        for (int i = 0; i < n; i++) {
            int oy = padding + (i / cols) * (h + padding), ox = padding + (i % cols) * (w + padding);
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    System.arraycopy(src, ((i * c + ch) * h + y) * w, dst, (ch * gh + oy + y) * gw + ox, w);
        }
        return Tensor.of(dst, c, gh, gw);
    }

    /** Nearest-neighbour enlargement by an integer factor of [C, H, W] or [N, C, H, W]: small images stay crisp to look at. */
    public static Tensor upscale(Tensor images, int factor) {
        if (factor < 1) throw new IllegalArgumentException("upscale factor must be >= 1, got " + factor);
        if (factor == 1) return images;
        int[] s = images.shape();
        if (s.length != 3 && s.length != 4) throw new IllegalArgumentException("upscale expects [C, H, W] or [N, C, H, W], got " + Arrays.toString(s));
        int h = s[s.length - 2], w = s[s.length - 1], planes = images.numel() / (h * w);
        int oh = h * factor, ow = w * factor;
        float[] src = images.toArray(), dst = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++) {
                int si = (p * h + y / factor) * w, di = (p * oh + y) * ow;
                for (int x = 0; x < ow; x++) dst[di + x] = src[si + x / factor];
            }
        int[] os = s.clone();
        os[s.length - 2] = oh;
        os[s.length - 1] = ow;
        return Tensor.of(dst, os);
    }

    /** All images in one row. */
    public static Tensor strip(Tensor images, int padding, float padValue) {
        return grid(images, images.size(0), padding, padValue);
    }
}
