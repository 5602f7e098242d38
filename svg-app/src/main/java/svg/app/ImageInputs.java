package svg.app;

import svg.nn.image.ImageIo;
import svg.nn.image.Preprocess;
import svg.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads input images and brings them to the model's size, with the official preprocessing or not at all. */
final class ImageInputs {
    private ImageInputs() {}

    /** How inputs are brought to the model's size. */
    enum Fit {
        /** pad when the image fits inside the model size (small data sets), else crop */
        auto,
        /** ADM center crop: the official SVG preprocessing */
        crop,
        /** centre on a black canvas; the image must not be larger */
        pad,
        /** the image must already have the model's size */
        exact
    }

    /** Images as one batch [N, 3, size, size], each brought to size by {@code fit}. */
    static Tensor load(List<Path> files, int size, Fit fit) throws IOException {
        if (files.isEmpty()) throw new CliException("no input images");
        List<Tensor> out = new ArrayList<>();
        for (Path f : files) {
            Tensor img = ImageIo.read(f);
            int h = img.size(1), w = img.size(2);
            boolean fits = h <= size && w <= size;
            img = switch (fit) {
                case auto -> fits ? Preprocess.pad(img, size, 0f) : Preprocess.centerCrop(img, size);
                case crop -> Preprocess.centerCrop(img, size);
                case pad -> {
                    if (!fits) throw new CliException(f + " is " + w + "x" + h + " px, larger than the model's " + size + "x" + size + ": it cannot be padded (use --fit crop)");
                    yield Preprocess.pad(img, size, 0f);
                }
                case exact -> {
                    if (h != size || w != size)
                        throw new CliException(f + " is " + w + "x" + h + " px but the model takes " + size + "x" + size + " (use --fit auto, crop or pad)");
                    yield img;
                }
            };
            out.add(img.unsqueeze(0));
        }
        return out.size() == 1 ? out.get(0).contiguous() : Tensor.cat(0, out);
    }

    /** File name without extension. */
    static String stem(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static int[] checkLatentShape(Tensor t, int channels, String what) {
        int[] s = t.shape();
        if (s.length != 4 || s[1] != channels)
            throw new CliException(what + " must be [N, " + channels + ", h, w] for this model, got " + Arrays.toString(s));
        return s;
    }
}
