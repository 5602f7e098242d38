package svg.app.train;

import svg.app.CliException;
import svg.nn.data.Dataset;
import svg.nn.data.Example;
import svg.nn.data.IdxDataset;
import svg.nn.data.ImageFolder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Opens the training set named by {@link TrainOptions}. */
final class Datasets {
    private Datasets() {}

    static Dataset open(TrainOptions o, boolean train) {
        Dataset d;
        try {
            if (o.imageFolder) {
                if (o.data == null) throw new CliException("--image-folder needs --data DIR");
                d = new ImageFolder(o.data);
            } else d = IdxDataset.fashionMnist(o.data != null ? o.data : IdxDataset.FASHION_DEFAULT_DIR, train);
        } catch (IOException e) {
            throw new CliException(e.getMessage(), e);
        }
        if (o.limit != null && o.limit < d.size()) d = limit(d, o.limit);
        return d;
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
