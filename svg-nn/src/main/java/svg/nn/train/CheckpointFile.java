package svg.nn.train;

import svg.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint as ONE safetensors file: float32 tensors plus string metadata (step, RNG state, config) in
 * the header's {@code __metadata__}. Written atomically: the bytes go to a temporary file in the same directory,
 * are forced to disk, then renamed over the old checkpoint, so a crash (or kill -9) at any instant leaves either
 * the old or the new checkpoint, never a torn one.
 *
 * <p>(The format is standard safetensors, readable by the project's general reader and by Python; this small
 * reader/writer exists so that checkpoints depend on nothing but this package.)
 */
public record CheckpointFile(Map<String, Tensor> tensors, Map<String, String> metadata) {

    public void writeAtomically(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", new LinkedHashMap<>(metadata));
        long off = 0;
        List<float[]> values = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            float[] v = e.getValue().toArray();
            values.add(v);
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("dtype", "F32");
            h.put("shape", e.getValue().shape());
            h.put("data_offsets", List.of(off, off + 4L * v.length));
            header.put(e.getKey(), h);
            off += 4L * v.length;
        }
        byte[] hj = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (hj.length + 7) / 8 * 8;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded);
            head.put(hj);
            while (head.position() < head.capacity()) head.put((byte) ' ');
            head.flip();
            while (head.hasRemaining()) ch.write(head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] v : values) {
                for (float f : v) {
                    if (!buf.hasRemaining()) { buf.flip(); while (buf.hasRemaining()) ch.write(buf); buf.clear(); }
                    buf.putFloat(f);
                }
            }
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static CheckpointFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("checkpoint not found: " + file);
        byte[] all = Files.readAllBytes(file);
        if (all.length < 8) throw new IOException(file + ": too short for safetensors");
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long hl = bb.getLong();
        if (hl < 2 || 8 + hl > all.length) throw new IOException(file + ": bad safetensors header length " + hl);
        Object parsed = Json.parse(new String(all, 8, (int) hl, StandardCharsets.UTF_8).trim());
        if (!(parsed instanceof Map<?, ?> header)) throw new IOException(file + ": header is not a JSON object");
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int base = 8 + (int) hl;
        for (var e : header.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("__metadata__")) {
                if (e.getValue() instanceof Map<?, ?> m) for (var me : m.entrySet()) meta.put((String) me.getKey(), String.valueOf(me.getValue()));
                continue;
            }
            Map<?, ?> h = (Map<?, ?>) e.getValue();
            if (!"F32".equals(h.get("dtype"))) throw new IOException(file + ": tensor '" + key + "' has dtype " + h.get("dtype") + " (checkpoints hold F32 only)");
            List<?> sh = (List<?>) h.get("shape"), offs = (List<?>) h.get("data_offsets");
            int[] shape = new int[sh.size()];
            long n = 1;
            for (int k = 0; k < shape.length; k++) { shape[k] = ((Number) sh.get(k)).intValue(); n *= shape[k]; }
            long a = ((Number) offs.get(0)).longValue(), b = ((Number) offs.get(1)).longValue();
            if (b - a != 4 * n || base + b > all.length) throw new IOException(file + ": tensor '" + key + "' data out of range (truncated file?)");
            float[] v = new float[(int) n];
            ByteBuffer.wrap(all, (int) (base + a), (int) (b - a)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            tensors.put(key, Tensor.of(v, shape));
        }
        return new CheckpointFile(tensors, meta);
    }

    /** Tensors whose names start with {@code prefix}, with the prefix removed. */
    public Map<String, Tensor> group(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        return out;
    }
}
