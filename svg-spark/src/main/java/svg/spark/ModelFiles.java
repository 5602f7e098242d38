package svg.spark;

import svg.app.CliException;
import svg.nn.module.Bf16Weights;
import svg.nn.pipeline.SvgModel;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

/**
 * A model directory's files as bytes, broadcast to the executors so they need no shared storage for the model. Each
 * executor JVM writes them once into a temporary folder and keeps loaded models in a pool: a task borrows one for its
 * whole partition and returns it, so an executor loads the model once per task slot (once for a single-core
 * executor), and two tasks of one JVM never share a model while it computes.
 */
final class ModelFiles implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String id;
    private final LinkedHashMap<String, byte[]> files;
    private final boolean bf16;

    private ModelFiles(String id, LinkedHashMap<String, byte[]> files, boolean bf16) {
        this.id = id;
        this.files = files;
        this.bf16 = bf16;
    }

    /** The regular files of {@code dir} (model.json and the safetensors). */
    static ModelFiles read(Path dir, boolean bf16) {
        LinkedHashMap<String, byte[]> m = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) m.put(p.getFileName().toString(), Files.readAllBytes(p));
        } catch (IOException e) {
            throw new CliException("cannot read the model directory " + dir + ": " + e.getMessage(), e);
        }
        // named by content: a later job with the same files reuses the executors' loaded models, a changed file does not
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        long size = 0;
        for (var e : m.entrySet()) {
            crc.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            crc.update(e.getValue());
            size += e.getValue().length;
        }
        return new ModelFiles(Long.toHexString(crc.getValue()) + "-" + size + (bf16 ? "-bf16" : ""), m, bf16);
    }

    private static final Map<String, Path> DIRS = new ConcurrentHashMap<>();
    private static final Map<String, ConcurrentLinkedQueue<SvgModel>> POOL = new ConcurrentHashMap<>();

    /** A loaded model for this task (return it with {@link #release}). */
    SvgModel borrow() {
        SvgModel m = POOL.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).poll();
        if (m != null) return m;
        try (var precision = bf16 ? Bf16Weights.scope() : null) {
            return SvgModel.load(dir());
        } catch (IOException e) {
            throw new UncheckedIOException("loading the broadcast model failed: " + e.getMessage(), e);
        }
    }

    void release(SvgModel m) {
        POOL.get(id).add(m);
    }

    private Path dir() {
        return DIRS.computeIfAbsent(id, k -> {
            try {
                Path d = Files.createTempDirectory("svg-model-");
                for (var e : files.entrySet()) Files.write(d.resolve(e.getKey()), e.getValue());
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try (Stream<Path> s = Files.list(d)) {
                        for (Path p : s.toList()) Files.deleteIfExists(p);
                        Files.deleteIfExists(d);
                    } catch (IOException ignored) { /* a temporary folder left behind */ }
                }));
                return d;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the broadcast model into a temporary folder: " + e.getMessage(), e);
            }
        });
    }
}
