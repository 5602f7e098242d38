package svg.nn.inception;

import svg.tensor.Tensor;
import svg.tensor.io.TensorFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads pytorch-fid's InceptionV3 weights, {@code pt_inception-2015-12-05-6726825d.pth} (a plain state dict in the
 * torch zip format), or the same tensors in a safetensors file; any format {@link TensorFiles} reads. The file is
 * about 92 MB; the fc layer in it is only checked for its class count (1008 for the FID graph).
 */
public final class InceptionWeights {
    private InceptionWeights() {}

    public static FidInceptionV3 load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no such Inception weights file: " + file);
        Map<String, Tensor> sd = TensorFiles.loadStateDict(file, null);
        try {
            return FidInceptionV3.fromStateDict(sd);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
