package svg.nn.data;

import java.util.Arrays;

/**
 * One image as planar float32 values in [0, 1], channel-major (C, H, W): the layout a batch tensor [B, C, H, W]
 * is assembled from without reordering.
 */
public record Image(float[] data, int channels, int height, int width) {
    public Image {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new IllegalArgumentException("image size must be positive, got " + channels + "x" + height + "x" + width);
        if (data.length != channels * height * width)
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width + " needs "
                    + channels * height * width + " values, got " + data.length);
    }

    public static Image zeros(int c, int h, int w) { return new Image(new float[c * h * w], c, h, w); }

    public float get(int c, int y, int x) { return data[(c * height + y) * width + x]; }

    public void set(int c, int y, int x, float v) { data[(c * height + y) * width + x] = v; }

    public Image copy() { return new Image(data.clone(), channels, height, width); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image i && i.channels == channels && i.height == height && i.width == width && Arrays.equals(i.data, data);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(data) * 31 + channels * 7 + height * 3 + width; }
}
