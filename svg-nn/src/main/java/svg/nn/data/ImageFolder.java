package svg.nn.data;

import svg.nn.image.ImageIo;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * ImageNet-style folder: {@code root/<class>/<image>.{png,jpg,jpeg,bmp,gif}}. Classes are the sub-folder names in
 * sorted order (as torchvision's ImageFolder), files sorted by name, so indices are stable across machines.
 * Images are decoded on access into RGB [0, 1].
 */
public final class ImageFolder implements Dataset {
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final List<String> classes = new ArrayList<>();

    public ImageFolder(Path root) throws IOException {
        if (!Files.isDirectory(root)) throw new IOException("image folder not found: " + root);
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (dirs.isEmpty()) throw new IOException(root + " has no class sub-folders (expected root/<class>/<image files>)");
        for (Path d : dirs) {
            int label = classes.size();
            classes.add(d.getFileName().toString());
            try (Stream<Path> s = Files.list(d)) {
                for (Path f : s.filter(ImageFolder::isImage).sorted().toList()) {
                    files.add(f);
                    labels.add(label);
                }
            }
        }
        if (files.isEmpty()) throw new IOException("no image files (png, jpg, jpeg, bmp, gif) under " + root);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif"));
    }

    @Override public int size() { return files.size(); }

    @Override
    public Example get(int i) {
        Path f = files.get(i);
        try {
            return new Example(toImage(ImageIo.decode(f)), labels.get(i)); // size checked before decoding
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** RGB planes in [0, 1] (alpha ignored, grey images replicated by getRGB). */
    static Image toImage(BufferedImage bi) {
        int h = bi.getHeight(), w = bi.getWidth();
        Image img = Image.zeros(3, h, w);
        float[] d = img.data();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int rgb = bi.getRGB(x, y), p = y * w + x;
                d[p] = ((rgb >>> 16) & 0xff) / 255f;
                d[h * w + p] = ((rgb >>> 8) & 0xff) / 255f;
                d[2 * h * w + p] = (rgb & 0xff) / 255f;
            }
        return img;
    }

    @Override public List<String> classNames() { return classes; }
}
