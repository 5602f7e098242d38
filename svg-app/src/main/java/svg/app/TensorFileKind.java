package svg.app;

import svg.tensor.io.TensorFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Names a tensor file's format from its first bytes, and checks that a path names a readable file. */
final class TensorFileKind {
    private TensorFileKind() {}

    /** A torch.save file, zip (torch >= 1.6) or legacy pickle stream. */
    static boolean isTorch(Path p) throws IOException {
        return TensorFiles.detect(p) != TensorFiles.Format.SAFETENSORS;
    }

    static String describe(Path p) throws IOException {
        return switch (TensorFiles.detect(p)) {
            case TORCH_ZIP -> "PyTorch checkpoint (torch.save zip)";
            case LEGACY_TORCH -> "PyTorch checkpoint (legacy torch.save, before 1.6)";
            case SAFETENSORS -> "safetensors";
        };
    }

    /** Fails with a clear message when p is missing, a folder, or empty. */
    static void requireFile(Path p, String what) throws IOException {
        if (!Files.exists(p)) throw new NoSuchFileException(p.toString(), null, what + " not found");
        if (Files.isDirectory(p)) throw new CliException(what + " " + p + " is a folder, not a file");
        if (Files.size(p) == 0) throw new CliException(what + " " + p + " is empty");
    }
}
