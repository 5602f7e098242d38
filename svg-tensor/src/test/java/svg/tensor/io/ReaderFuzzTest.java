package svg.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.io.TorchPickles.View;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static svg.tensor.io.FuzzCheck.interesting;
import static svg.tensor.io.FuzzCheck.mutateBytes;

/**
 * Structure-aware fuzzing of the svg-tensor readers (safetensors, torch zip, legacy torch, JSON text): each input is
 * a valid file built from random tensors, then damaged where it hurts (sizes, strides, offsets, element counts,
 * header lengths, dtypes), and sometimes also at the byte level (flips, truncation, insertion). Every input must load
 * or be refused as {@link FuzzCheck} says. Briefly here (a couple of seconds per reader); longer with
 * scripts/fuzz.sh. Kept crash inputs under test resources fuzz/&lt;target&gt;/ are replayed first.
 */
class ReaderFuzzTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void safetensors() throws Exception {
        FuzzCheck.replay("safetensors", dir, "x.safetensors", java.io.IOException.class, ReaderFuzzTest::readSafetensors);
        FuzzCheck.run("safetensors", dir, "x.safetensors", java.io.IOException.class, ReaderFuzzTest::safetensorsInput,
                ReaderFuzzTest::readSafetensors);
    }

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void torchZip() throws Exception {
        FuzzCheck.replay("torch-zip", dir, "x.pt", java.io.IOException.class, ReaderFuzzTest::readTorch);
        FuzzCheck.run("torch-zip", dir, "x.pt", java.io.IOException.class, r -> torchInput(r, false), ReaderFuzzTest::readTorch);
    }

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void torchLegacy() throws Exception {
        FuzzCheck.replay("torch-legacy", dir, "x.pt", java.io.IOException.class, ReaderFuzzTest::readTorch);
        FuzzCheck.run("torch-legacy", dir, "x.pt", java.io.IOException.class, r -> torchInput(r, true), ReaderFuzzTest::readTorch);
    }

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void json() throws Exception {
        FuzzCheck.replay("json", dir, "x.json", IllegalArgumentException.class, ReaderFuzzTest::readJson);
        FuzzCheck.run("json", dir, "x.json", IllegalArgumentException.class, ReaderFuzzTest::jsonInput, ReaderFuzzTest::readJson);
    }

    // The readers as the fuzzers call them (shared with JazzerReaderFuzzTest).

    static void readSafetensors(Path p) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (TensorInfo t : f.tensors()) f.load(t.name());
        }
    }

    static void readJson(Path p) throws Exception {
        Json.parse(new String(java.nio.file.Files.readAllBytes(p), StandardCharsets.UTF_8));
    }

    static void readTorch(Path p) throws Exception {
        TensorFiles.describe(p);
        TensorFiles.loadStateDict(p, null);
    }

    // ------------------------------------------------------------------ safetensors

    private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"};

    static byte[] safetensorsInput(Random r) {
        LinkedHashMap<String, Object> header = new LinkedHashMap<>();
        if (r.nextInt(4) == 0) header.put("__metadata__", new LinkedHashMap<>(Map.of("format", "pt")));
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long off = 0;
        for (int t = 0, n = r.nextInt(4); t < n; t++) {
            String dt = DTYPES[r.nextInt(DTYPES.length)];
            int rank = r.nextInt(4);
            List<Object> shape = new ArrayList<>();
            long numel = 1;
            for (int i = 0; i < rank; i++) {
                long d = r.nextInt(5);
                shape.add(d);
                numel *= d;
            }
            long nbytes = numel * DType.parse(dt).byteSize();
            byte[] b = new byte[(int) nbytes];
            r.nextBytes(b);
            data.writeBytes(b);
            LinkedHashMap<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dt);
            info.put("shape", shape);
            info.put("data_offsets", FuzzCheck.listOf(off, off + nbytes));
            header.put("t" + t, info);
            off += nbytes;
        }
        if (r.nextInt(10) < 7) damageHeader(header, r);
        byte[] json = Json.writeCompact(header).getBytes(StandardCharsets.UTF_8);
        long len = r.nextInt(12) == 0 ? interesting(r) : json.length;
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(len).put(json).put(data.toByteArray());
        byte[] b = out.array();
        return r.nextInt(3) == 0 ? mutateBytes(b, r) : b;
    }

    @SuppressWarnings("unchecked")
    private static void damageHeader(Map<String, Object> header, Random r) {
        List<String> names = header.keySet().stream().filter(k -> !k.equals("__metadata__")).toList();
        if (names.isEmpty()) {
            header.put(r.nextBoolean() ? "__metadata__" : "x", r.nextBoolean() ? 5L : FuzzCheck.listOf("a"));
            return;
        }
        String name = FuzzCheck.pick(r, names);
        Map<String, Object> info = (Map<String, Object>) header.get(name);
        switch (r.nextInt(8)) {
            case 0, 1 -> {
                List<Object> shape = (List<Object>) info.get("shape");
                if (shape.isEmpty() || r.nextInt(4) == 0) shape.add(interesting(r));
                else shape.set(r.nextInt(shape.size()), r.nextInt(6) == 0 ? (Object) 1e30 : interesting(r));
            }
            case 2, 3 -> ((List<Object>) info.get("data_offsets")).set(r.nextInt(2), interesting(r));
            case 4 -> info.put("dtype", FuzzCheck.pick(r, List.of("F8", "", "f32", "U64", "complex64")));
            case 5 -> info.remove(FuzzCheck.pick(r, List.of("dtype", "shape", "data_offsets")));
            case 6 -> header.put(name, r.nextBoolean() ? "tensor" : FuzzCheck.listOf(1L, 2L));
            default -> info.put(FuzzCheck.pick(r, List.of("shape", "data_offsets", "dtype")), r.nextBoolean() ? null : 3.5);
        }
    }

    // ------------------------------------------------------------------ torch (zip and legacy)

    private static final String[] STORAGES = {"FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage",
            "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"};
    private static final int[] STORAGE_BYTES = {4, 2, 2, 8, 8, 4, 2, 1, 1, 1};

    static byte[] torchInput(Random r, boolean legacy) {
        List<View> views = new ArrayList<>();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        Map<String, Integer> types = new LinkedHashMap<>();
        for (int t = 0, n = 1 + r.nextInt(3); t < n; t++) {
            int rank = r.nextInt(4);
            long[] size = new long[rank], stride = new long[rank];
            for (int i = 0; i < rank; i++) size[i] = 1 + r.nextInt(4);
            long s = 1;
            for (int i = rank - 1; i >= 0; i--) { stride[i] = s; s *= size[i]; }
            if (rank >= 2 && r.nextBoolean()) { // a transposed view
                long x = size[0]; size[0] = size[1]; size[1] = x;
                x = stride[0]; stride[0] = stride[1]; stride[1] = x;
            }
            long offset = r.nextInt(3);
            String key;
            if (!storages.isEmpty() && r.nextInt(3) == 0) key = storages.keySet().iterator().next(); // shared storage
            else {
                key = String.valueOf(storages.size());
                int ty = r.nextInt(STORAGES.length);
                byte[] b = new byte[(int) ((offset + s + r.nextInt(3)) * STORAGE_BYTES[ty])];
                r.nextBytes(b);
                storages.put(key, b);
                types.put(key, ty);
            }
            int ty = types.get(key);
            views.add(new View("w" + t, key, STORAGES[ty], storages.get(key).length / STORAGE_BYTES[ty], offset, size, stride));
        }
        Map<String, Long> declared = new LinkedHashMap<>(); // legacy: the element count written before each storage
        for (var e : storages.entrySet()) declared.put(e.getKey(), (long) e.getValue().length / STORAGE_BYTES[types.get(e.getKey())]);
        if (r.nextInt(10) < 7) {
            int i = r.nextInt(views.size());
            View v = views.get(i);
            long[] size = v.size().clone(), stride = v.stride().clone();
            long offset = v.offset(), numel = v.storageNumel();
            String type = v.storageType();
            switch (r.nextInt(6)) {
                case 0 -> { if (size.length > 0) size[r.nextInt(size.length)] = interesting(r); else offset = interesting(r); }
                case 1 -> { if (stride.length > 0) stride[r.nextInt(stride.length)] = interesting(r); else offset = interesting(r); }
                case 2 -> offset = interesting(r);
                case 3 -> numel = interesting(r);
                case 4 -> declared.put(v.key(), interesting(r));
                default -> {
                    if (r.nextBoolean()) type = "EvilStorage";
                    else storages.put(v.key(), java.util.Arrays.copyOf(storages.get(v.key()), r.nextInt(storages.get(v.key()).length + 1)));
                }
            }
            views.set(i, new View(v.name(), v.key(), type, numel, offset, size, stride));
        }
        byte[] pkl = TorchPickles.stateDict(views, legacy);
        if (r.nextInt(4) == 0) pkl = mutateBytes(pkl, r);
        byte[] file = legacy ? TorchPickles.legacy(pkl, storages, declared) : TorchPickles.zip("archive", pkl, storages);
        return r.nextInt(5) == 0 ? mutateBytes(file, r) : file;
    }

    // ------------------------------------------------------------------ JSON text

    static byte[] jsonInput(Random r) {
        String s = Json.write(randomValue(r, 0));
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return switch (r.nextInt(4)) {
            case 0 -> b;
            case 1 -> ("[".repeat(r.nextInt(2000)) + s).getBytes(StandardCharsets.UTF_8);
            default -> mutateBytes(b, r);
        };
    }

    private static Object randomValue(Random r, int depth) {
        int k = depth > 4 ? r.nextInt(5) : r.nextInt(7);
        return switch (k) {
            case 0 -> interesting(r);
            case 1 -> r.nextBoolean() ? (Object) (r.nextGaussian() * 1e10) : (Object) Double.MIN_VALUE;
            case 2 -> FuzzCheck.pick(r, List.of("", "a\"b", "\\u0000", "é\u2028", "\ud83d\ude00"));
            case 3 -> r.nextBoolean();
            case 4 -> "null";
            case 5 -> {
                List<Object> l = new ArrayList<>();
                for (int i = 0, n = r.nextInt(4); i < n; i++) l.add(randomValue(r, depth + 1));
                yield l;
            }
            default -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0, n = r.nextInt(4); i < n; i++) m.put("k" + i, randomValue(r, depth + 1));
                yield m;
            }
        };
    }
}
