package svg.nn.image;

import svg.tensor.Tensor;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Images to and from tensors. Loaded images are [3, H, W] floats in [0, 1] (RGB, like Pillow's
 * {@code convert("RGB")}: grayscale is replicated, alpha dropped). Saved images are 8-bit RGB PNG with
 * deterministic bytes (see {@link PngEncoder}); values are mapped like torchvision's {@code save_image}:
 * {@code floor(clamp(v, 0, 1) * 255 + 0.5)}, NaN as 0.
 */
public final class ImageIo {
    static {
        // never open a display: the app and tests run on servers
        System.setProperty("java.awt.headless", "true");
    }

    /** The widest or tallest image read (pixels per side). */
    public static final int MAX_SIDE = 16384;
    /** The most pixels an image read may have (2^26 = 8192 x 8192; [3, H, W] floats are then 768 MB). */
    public static final long MAX_PIXELS = 1L << 26;

    private ImageIo() {}

    /** Reads a PNG, JPEG (or any ImageIO format) as [3, H, W] in [0, 1]; see {@link #decode} for the checks. */
    public static Tensor read(Path file) throws IOException {
        return fromImage(decode(file));
    }

    /**
     * Decodes an image file after checking the size its header declares: more than {@link #MAX_SIDE} pixels per side
     * or {@link #MAX_PIXELS} in all is refused before any pixel memory is allocated (a 100-byte PNG can declare
     * 2^31 x 2^31 pixels). Decoder failures of any kind become an IOException naming the file.
     */
    public static BufferedImage decode(Path file) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "image not found");
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not an image");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new IOException("cannot open image " + file);
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new IOException("not a readable image (PNG or JPEG expected): " + file);
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w, h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw new IOException("cannot decode image " + file + ": bad header (" + e.getMessage() + ")", e);
                }
                checkSize(file, w, h);
                BufferedImage img;
                try {
                    img = reader.read(0, reader.getDefaultReadParam());
                } catch (IOException | RuntimeException e) {
                    throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
                }
                if (img == null) throw new IOException("not a readable image (PNG or JPEG expected): " + file);
                checkSize(file, img.getWidth(), img.getHeight());
                return img;
            } finally {
                reader.dispose();
            }
        }
    }

    private static void checkSize(Path file, int w, int h) throws IOException {
        if (w < 1 || h < 1) throw new IOException("image " + file + " declares a size of " + w + " x " + h + " pixels");
        if (w > MAX_SIDE || h > MAX_SIDE || (long) w * h > MAX_PIXELS)
            throw new IOException("image " + file + " declares " + w + " x " + h + " pixels, beyond the limit of " + MAX_SIDE
                    + " per side and " + MAX_PIXELS + " in all");
    }

    /** [3, H, W] in [0, 1] from a decoded image. */
    public static Tensor fromImage(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        float[] d = new float[3 * h * w];
        int plane = h * w;
        if (img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY && img.getColorModel().getNumColorComponents() == 1) {
            // getRGB would push gray through a linear-to-sRGB conversion and brighten it; Pillow keeps the stored
            // value, so read the raster's first band directly.
            Raster r = img.getRaster();
            double max = (1L << img.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    float v = (float) (r.getSample(x, y, 0) / max);
                    int i = y * w + x;
                    d[i] = v;
                    d[plane + i] = v;
                    d[2 * plane + i] = v;
                }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = row[x], i = y * w + x;
                    d[i] = ((p >> 16) & 0xff) / 255f;
                    d[plane + i] = ((p >> 8) & 0xff) / 255f;
                    d[2 * plane + i] = (p & 0xff) / 255f;
                }
            }
        }
        return Tensor.of(d, 3, h, w);
    }

    /** 8-bit sRGB image of img [3, H, W] (or [1, H, W], replicated) in [0, 1]. */
    public static BufferedImage toImage(Tensor img) {
        int[] s = checkChw(img);
        int h = s[1], w = s[2];
        byte[] rgb = toRgbBytes(img);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                out.setRGB(x, y, ((rgb[i] & 0xff) << 16) | ((rgb[i + 1] & 0xff) << 8) | (rgb[i + 2] & 0xff));
            }
        return out;
    }

    /** Quantises [3 or 1, H, W] in [0, 1] to interleaved RGB bytes. */
    static byte[] toRgbBytes(Tensor img) {
        int[] s = checkChw(img);
        int c = s[0], h = s[1], w = s[2], plane = h * w;
        float[] d = img.toArray();
        byte[] rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++)
            for (int ch = 0; ch < 3; ch++) rgb[i * 3 + ch] = (byte) quantise(d[(c == 1 ? 0 : ch) * plane + i]);
        return rgb;
    }

    /** torchvision save_image's mapping: floor(v * 255 + 0.5) clamped to [0, 255]; NaN becomes 0. */
    public static int quantise(float v) {
        if (Float.isNaN(v)) return 0;
        double q = Math.floor(v * 255.0 + 0.5);
        return (int) Math.max(0, Math.min(255, q));
    }

    /** PNG bytes of [3, H, W] (or [1, H, W]), or of [N, 3, H, W] as a grid (see {@link ImageGrid#grid}). */
    public static byte[] pngBytes(Tensor img) {
        Tensor chw = img.dim() == 4 ? ImageGrid.grid(img) : img;
        int[] s = checkChw(chw);
        return PngEncoder.encode(toRgbBytes(chw), s[2], s[1]);
    }

    /** Writes {@link #pngBytes} to file, creating parent folders. */
    public static void writePng(Tensor img, Path file) throws IOException {
        byte[] png = pngBytes(img);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.write(file, png);
    }

    private static int[] checkChw(Tensor t) {
        int[] s = t.shape();
        if (s.length != 3 || (s[0] != 3 && s[0] != 1) || s[1] < 1 || s[2] < 1)
            throw new IllegalArgumentException("image tensor must be [3, H, W] or [1, H, W], got " + Arrays.toString(s));
        return s;
    }
}
