package svg.app;

import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where generated images go: a path ending in .png gets one grid image; any other path is a folder that receives one
 * PNG per image ({@code prefix_000.png}, ...). {@link #pngs} gives the bytes of those files without writing them
 * ({@code svg serve} answers with them).
 */
public final class ImageOutput {
    private ImageOutput() {}

    static boolean isSingleFile(Path out) {
        return out.getFileName() != null && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png");
    }

    /** Checks the destination before any computation, so a bad path fails fast. */
    static void check(Path out) throws IOException {
        if (isSingleFile(out)) {
            if (Files.isDirectory(out)) throw new CliException("--out " + out + " is a folder; a .png path means one grid image");
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null && Files.exists(parent) && !Files.isDirectory(parent))
                throw new CliException("--out " + out + ": " + parent + " is not a folder");
        } else if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new CliException("--out " + out + " exists and is not a folder (use a .png name for one grid image)");
        }
    }

    /** Writes images [N, 3, H, W] in [0, 1]; returns the files written. */
    static List<Path> write(Tensor images, Path out, String prefix, int columns) throws IOException {
        return write(images, out, prefix, columns, 1);
    }

    /** As above, each image first enlarged {@code scale} times (nearest neighbour). */
    static List<Path> write(Tensor images, Path out, String prefix, int columns, int scale) throws IOException {
        if (scale < 1 || scale > 64) throw new CliException("--scale must be in [1, 64], got " + scale);
        images = ImageGrid.upscale(images, scale);
        List<Path> written = new ArrayList<>();
        if (isSingleFile(out)) {
            int cols = columns > 0 ? columns : ImageGrid.squareColumns(images.size(0));
            ImageIo.writePng(ImageGrid.grid(images, cols, ImageGrid.DEFAULT_PADDING, 0f), out);
            written.add(out);
        } else {
            Files.createDirectories(out);
            List<byte[]> pngs = pngs(images, 1);
            for (int i = 0; i < pngs.size(); i++) {
                Path f = out.resolve(String.format(Locale.ROOT, "%s_%03d.png", prefix, i));
                Files.write(f, pngs.get(i));
                written.add(f);
            }
        }
        return written;
    }

    /**
     * The PNG file of each image [N, 3, H, W] in [0, 1], enlarged {@code scale} times: byte for byte what a folder
     * {@code --out} receives.
     */
    public static List<byte[]> pngs(Tensor images, int scale) {
        if (scale < 1 || scale > 64) throw new CliException("--scale must be in [1, 64], got " + scale);
        Tensor up = ImageGrid.upscale(images, scale);
        List<byte[]> out = new ArrayList<>(up.size(0));
        for (int i = 0; i < up.size(0); i++) out.add(ImageIo.pngBytes(up.select(0, i)));
        return out;
    }
}
