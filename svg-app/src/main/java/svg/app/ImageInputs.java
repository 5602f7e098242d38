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

    /**
     * Images as one batch [N, 3, size, size]. With {@code crop}, the ADM center crop (resize the short side, crop
     * the centre); without, every image must already be size x size.
     */
    static Tensor load(List<Path> files, int size, boolean crop) throws IOException {
        if (files.isEmpty()) throw new CliException("no input images");
        List<Tensor> out = new ArrayList<>();
        for (Path f : files) {
            Tensor img = ImageIo.read(f);
            if (crop) img = Preprocess.centerCrop(img, size);
            else if (img.size(1) != size || img.size(2) != size)
                throw new CliException(f + " is " + img.size(2) + "x" + img.size(1) + " px but the model takes " + size + "x" + size
                        + " (drop --no-crop to resize and center-crop it)");
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
