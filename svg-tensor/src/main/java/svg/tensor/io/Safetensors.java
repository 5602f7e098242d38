package svg.tensor.io;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Whole-file safetensors reading and (atomic) writing. */
public final class Safetensors {
    /** Floats converted per write call: bounds the temporary buffer for huge tensors. */
    private static final int CHUNK = 1 << 20;

    private Safetensors() {}

    /** Every tensor of the file as float32, in file order. */
    public static LinkedHashMap<String, Tensor> load(Path p) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors()) out.put(t.name(), f.load(t.name()));
            return out;
        }
    }

    /** Writes float32 tensors. */
    public static void save(Path p, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        save(p, tensors, metadata, DType.F32);
    }

    /**
     * Writes the tensors C-contiguously in map order (metadata in map order when the map is ordered, else sorted by
     * key), stored as F32, F16 or BF16 (round to nearest even). The header
     * is padded with spaces to a multiple of 8 so the data section is aligned. The file appears atomically: data goes
     * to a temporary file in the same folder, is fsynced, then renamed over {@code p}.
     */
    public static void save(Path p, Map<String, Tensor> tensors, Map<String, String> metadata, DType storeAs) throws IOException {
        if (storeAs != DType.F32 && storeAs != DType.F16 && storeAs != DType.BF16)
            throw new IllegalArgumentException("safetensors save supports F32, F16, BF16, not " + storeAs);
        LinkedHashMap<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            LinkedHashMap<String, Object> m = new LinkedHashMap<>();
            // an unordered map (Map.of iterates in a per-JVM random order) is written sorted, so that the same
            // content gives the same bytes in every process
            var entries = metadata instanceof java.util.SequencedMap<String, String> ? metadata : new java.util.TreeMap<>(metadata);
            for (var e : entries.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) throw new IllegalArgumentException("null in metadata");
                m.put(e.getKey(), e.getValue());
            }
            header.put("__metadata__", m);
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name is empty");
            if (name.equals("__metadata__")) throw new IllegalArgumentException("'__metadata__' cannot name a tensor");
            Tensor t = e.getValue();
            if (t == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            long nbytes = (long) t.numel() * storeAs.byteSize();
            LinkedHashMap<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", storeAs.safetensorsName());
            info.put("shape", toLongs(t.shape()));
            info.put("data_offsets", List.of(offset, offset + nbytes));
            header.put(name, info);
            offset += nbytes;
        }
        byte[] json = Json.writeCompact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path abs = p.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean ok = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeAll(ch, head);
                ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK * storeAs.byteSize());
                MemorySegment seg = MemorySegment.ofBuffer(buf);
                for (Tensor t : tensors.values()) {
                    float[] d;
                    int start;
                    try (var g = GradMode.noGrad()) {
                        Tensor c = t.detach().contiguous();
                        d = c.data();
                        start = c.offset();
                    }
                    int n = t.numel();
                    for (int pos = 0; pos < n; pos += CHUNK) {
                        int k = Math.min(CHUNK, n - pos);
                        ElementConversion.fromFloat(d, start + pos, k, storeAs, seg);
                        buf.clear().limit(k * storeAs.byteSize());
                        writeAll(ch, buf);
                    }
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            ok = true;
            syncDir(dir);
        } finally {
            if (!ok) Files.deleteIfExists(tmp);
        }
    }

    private static List<Long> toLongs(int[] a) {
        Long[] r = new Long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (long) a[i];
        return List.of(r);
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Makes the rename durable; not every platform can open a directory, which is harmless. */
    private static void syncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }
}
