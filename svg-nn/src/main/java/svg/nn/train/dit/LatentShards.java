package svg.nn.train.dit;

import svg.tensor.Tensor;
import svg.tensor.io.Json;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training latents written in pieces (svg-spark's distributed encoding: one shard per partition) plus an index that
 * names them in order. Each shard holds what {@code svg train dit}'s one-file cache holds, {@code tokens} [n, T, C]
 * and {@code labels} [n] (float32 class ids); the index ({@value #FORMAT}) gives the shards' files (relative to the
 * index) and sizes, T, C and the class names. {@link #read} accepts either the index or a one-file cache, so both
 * feed {@code svg train dit --latents}.
 */
public final class LatentShards {
    public static final String FORMAT = "svg-jvm-latents/1";
    public static final String INDEX = "latents.index.json";
    public static final String TOKENS = "tokens", LABELS = "labels";

    private LatentShards() {}

    /** Latents with their labels and (when the file names them) class names. */
    public record Latents(Tensor tokens, int[] labels, List<String> classes) {}

    /** One shard's entry in the index. */
    public record Shard(String file, int count) implements java.io.Serializable {}

    /** {@code shard-NNNNN.safetensors}: a shard's file name, from its position. */
    public static String shardName(int i) { return String.format(Locale.ROOT, "latents-%05d.safetensors", i); }

    /** Writes one shard: tokens [n, T, C] and labels [n]. */
    public static void writeShard(Path file, Tensor tokens, int[] labels, Map<String, String> meta) throws IOException {
        if (tokens.dim() != 3 || tokens.size(0) != labels.length)
            throw new IllegalArgumentException("a shard needs tokens [n, T, C] and n labels, got " + Arrays.toString(tokens.shape()) + " and " + labels.length);
        float[] lf = new float[labels.length];
        for (int i = 0; i < lf.length; i++) lf[i] = labels[i];
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put(TOKENS, tokens);
        m.put(LABELS, Tensor.of(lf, lf.length));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        // written beside and renamed, so a retried task never leaves a torn shard for the index to name
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        Safetensors.save(tmp, m, meta);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes the index naming {@code shards} in order. */
    public static void writeIndex(Path index, List<Shard> shards, int tokens, int channels, List<String> classes,
                                  Map<String, String> meta) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        long total = 0;
        List<Object> list = new ArrayList<>();
        for (Shard s : shards) {
            list.add(Map.of("file", s.file(), "count", (long) s.count()));
            total += s.count();
        }
        m.put("count", total);
        m.put("tokens", (long) tokens);
        m.put("channels", (long) channels);
        m.put("classes", new ArrayList<Object>(classes));
        m.put("metadata", new LinkedHashMap<Object, Object>(meta));
        m.put("shards", list);
        Files.writeString(index, Json.write(m) + "\n", StandardCharsets.UTF_8);
    }

    /** Reads an index (all its shards, in order) or a one-file cache ({@code tokens}, {@code labels}). */
    public static Latents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("latents not found: " + file);
        if (!file.getFileName().toString().endsWith(".json")) {
            Map<String, Tensor> m = Safetensors.load(file);
            return new Latents(check(m, file), labels(m.get(LABELS)), List.of());
        }
        Object parsed = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        if (!(parsed instanceof Map<?, ?> idx) || !FORMAT.equals(idx.get("format")))
            throw new IOException(file + " is not a latents index (" + FORMAT + ")");
        Path dir = file.toAbsolutePath().getParent();
        List<Tensor> parts = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        int n = 0;
        for (Object o : (List<?>) idx.get("shards")) {
            Map<?, ?> s = (Map<?, ?>) o;
            Path p = dir.resolve((String) s.get("file"));
            if (!Files.isRegularFile(p)) throw new IOException(file + " names the shard " + p + ", which is missing");
            Map<String, Tensor> m = Safetensors.load(p);
            Tensor t = check(m, p);
            if (t.size(0) != ((Number) s.get("count")).intValue())
                throw new IOException(p + " holds " + t.size(0) + " latents, the index says " + s.get("count"));
            parts.add(t);
            labels.add(labels(m.get(LABELS)));
            n += t.size(0);
        }
        if (parts.isEmpty()) throw new IOException(file + " names no shards");
        int[] all = new int[n];
        int at = 0;
        for (int[] l : labels) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        List<String> classes = new ArrayList<>();
        for (Object c : (List<?>) idx.get("classes")) classes.add((String) c);
        Tensor tokens = parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts).contiguous();
        return new Latents(tokens, all, classes);
    }

    private static Tensor check(Map<String, Tensor> m, Path p) throws IOException {
        Tensor t = m.get(TOKENS), l = m.get(LABELS);
        if (t == null || l == null) throw new IOException(p + " lacks the tensors '" + TOKENS + "' and '" + LABELS + "'");
        if (t.dim() != 3 || l.dim() != 1 || l.size(0) != t.size(0))
            throw new IOException(p + ": tokens " + Arrays.toString(t.shape()) + " and labels " + Arrays.toString(l.shape()) + " do not match");
        return t;
    }

    private static int[] labels(Tensor l) {
        float[] f = l.toArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = (int) f[i];
        return out;
    }
}
