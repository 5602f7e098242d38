package svg.app;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Names a tensor file's format from its first bytes, and checks that a path names a readable file. */
final class TensorFileKind {
    private TensorFileKind() {}

    static boolean isTorchZip(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] h = in.readNBytes(4);
            return h.length == 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4;
        }
    }

    static String describe(Path p) throws IOException {
        return isTorchZip(p) ? "PyTorch checkpoint (torch.save zip)" : "safetensors";
    }

    /** Fails with a clear message when p is missing, a folder, or empty. */
    static void requireFile(Path p, String what) throws IOException {
        if (!Files.exists(p)) throw new NoSuchFileException(p.toString(), null, what + " not found");
        if (Files.isDirectory(p)) throw new CliException(what + " " + p + " is a folder, not a file");
        if (Files.size(p) == 0) throw new CliException(what + " " + p + " is empty");
    }
}
