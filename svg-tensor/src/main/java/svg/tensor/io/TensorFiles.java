package svg.tensor.io;

import svg.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Loads a state dict from any supported file, the format chosen by its first bytes: zip ("PK\3\4") = torch.save
 * archive, the legacy torch.save magic pickle = old torch format, anything else is read as safetensors.
 */
public final class TensorFiles {
    private TensorFiles() {}

    private static final byte[] LEGACY_MAGIC = {(byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    /** File formats told apart by {@link #detect}. */
    public enum Format {
        /** torch.save zip archive (torch >= 1.6; .pt/.pth/.ckpt). */
        TORCH_ZIP,
        /** torch.save before 1.6, or with _use_new_zipfile_serialization=False. */
        LEGACY_TORCH,
        /** Anything else: read as safetensors (which validates it). */
        SAFETENSORS
    }

    /** The format of {@code p}, judged by its first bytes only. */
    public static Format detect(Path p) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(p)) {
            head = in.readNBytes(LEGACY_MAGIC.length + 2);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return Format.TORCH_ZIP;
        // torch.save before 1.6 (or _use_new_zipfile_serialization=False) starts with PROTO n, then the magic number
        // 0x1950a86a20f9469cfc6c as a LONG1. (A safetensors file starts with its header length, so test all bytes.)
        if (head.length == LEGACY_MAGIC.length + 2 && (head[0] & 0xFF) == 0x80
                && java.util.Arrays.equals(head, 2, head.length, LEGACY_MAGIC, 0, LEGACY_MAGIC.length))
            return Format.LEGACY_TORCH;
        return Format.SAFETENSORS;
    }

    /**
     * The tensors of a checkpoint as float32. For torch files {@code container} picks the state dict (see
     * {@link TorchCheckpoint#stateDict}); safetensors files are flat, so it is ignored for them.
     */
    public static LinkedHashMap<String, Tensor> loadStateDict(Path p, String container) throws IOException {
        return switch (detect(p)) {
            case TORCH_ZIP, LEGACY_TORCH -> TorchCheckpoint.stateDict(p, container);
            case SAFETENSORS -> Safetensors.load(p);
        };
    }

    /** Receives the tensors of a checkpoint one at a time. */
    @FunctionalInterface
    public interface TensorConsumer {
        void accept(String name, Tensor t) throws IOException;
    }

    /**
     * The tensors of a checkpoint one at a time, as float32 (container as in {@link #loadStateDict}); none is kept,
     * so loading a multi-GB checkpoint into a model needs the model plus one tensor, not the model plus the file.
     */
    public static void forEachTensor(Path p, String container, TensorConsumer each) throws IOException {
        switch (detect(p)) {
            case TORCH_ZIP, LEGACY_TORCH -> TorchCheckpoint.forEachTensor(p, container, each);
            case SAFETENSORS -> {
                try (SafetensorsFile f = SafetensorsFile.open(p)) {
                    for (TensorInfo t : f.tensors()) each.accept(t.name(), f.load(t.name()));
                }
            }
        }
    }

    /** Names, dtypes and shapes, without reading tensor data. */
    public static List<TensorInfo> describe(Path p) throws IOException { return describe(p, null); }

    /** Names, dtypes and shapes of the state dict {@code container} picks (torch files; see {@link #loadStateDict}). */
    public static List<TensorInfo> describe(Path p, String container) throws IOException {
        return switch (detect(p)) {
            case TORCH_ZIP, LEGACY_TORCH -> TorchCheckpoint.describe(p, container);
            case SAFETENSORS -> {
                try (SafetensorsFile f = SafetensorsFile.open(p)) {
                    yield f.tensors();
                }
            }
        };
    }
}
