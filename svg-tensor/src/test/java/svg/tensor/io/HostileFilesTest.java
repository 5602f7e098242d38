package svg.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Tensor;
import svg.tensor.io.TorchPickles.View;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static svg.tensor.io.IoTestSupport.resource;

/**
 * Files that describe what cannot be: element counts that overflow, views outside their storage or reading one
 * element many times, storages larger than the file. Each must be refused with an IOException naming the file and
 * the problem, before anything large is allocated (the fixtures under io/hostile come from gen_hostile.py; the others
 * are built here by {@link TorchPickles}).
 */
class HostileFilesTest {
    @TempDir
    Path dir;

    /** Issue 13: a stride-0 view of a 1-element storage used to allocate its full 1.6e9 elements (6.4 GB). */
    @Test
    void stride0ExpandOfOneElementIsRefusedBeforeAllocating() throws IOException {
        for (String f : new String[]{"hostile/stride0_expand.pt", "hostile/stride0_expand_legacy.pt"}) {
            Path p = resource(f);
            // the shape alone is fine to describe: nothing is allocated
            assertEquals(List.of(new TensorInfo("w", DType.F32, new int[]{40000, 40000})), TensorFiles.describe(p));
            IOException e = assertThrows(IOException.class, () -> TensorFiles.loadStateDict(p, null), f);
            assertRefusal(e, p, "stride-0");
            e = assertThrows(IOException.class, () -> TorchCheckpoint.load(p), f);
            assertRefusal(e, p, "stride-0");
        }
    }

    /** Issue 13: [65536, 65536, 65536, 65536] has 2^64 elements, which wrapped to 0 and was written out as empty. */
    @Test
    void elementCountOverflowIsRefusedEvenWhenDescribing() {
        Path p = resource("hostile/huge_shape.pt");
        assertRefusal(assertThrows(IOException.class, () -> TensorFiles.loadStateDict(p, null)), p, "overflows");
        assertRefusal(assertThrows(IOException.class, () -> TensorFiles.describe(p)), p, "overflows");
        assertRefusal(assertThrows(IOException.class, () -> TensorFiles.forEachTensor(p, null, (n, t) -> fail(n))), p, "overflows");
    }

    @Test
    void tensorShapesCountExactly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[0], 65536, 65536, 65536, 65536));
        assertTrue(e.getMessage().contains("more elements than a long counts"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1 << 16, 1 << 16, 1 << 16, 1 << 16));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(Integer.MAX_VALUE, Integer.MAX_VALUE, 4));
        // a zero size makes any shape empty, however large the other sizes
        assertEquals(0, Tensor.of(new float[0], 65536, 65536, 65536, 65536, 0).numel());
        assertEquals(0, Tensor.zeros(0, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE).numel());
    }

    @Test
    void viewsOutsideTheirStorageOrReadingAnElementTwiceAreRefused() throws IOException {
        record Bad(String what, View view, String expect) {}
        List<Bad> cases = List.of(
                new Bad("past the end", new View("w", "0", "FloatStorage", 6, 1, new long[]{2, 3}, new long[]{3, 1}), "outside its storage"),
                new Bad("negative offset", new View("w", "0", "FloatStorage", 6, -1, new long[]{6}, new long[]{1}), "negative storage offset"),
                new Bad("negative stride", new View("w", "0", "FloatStorage", 6, 5, new long[]{6}, new long[]{-1}), "negative stride"),
                new Bad("stride 0", new View("w", "0", "FloatStorage", 6, 0, new long[]{1000, 6}, new long[]{0, 1}), "stride-0"),
                new Bad("overlapping rows", new View("w", "0", "FloatStorage", 6, 0, new long[]{4, 3}, new long[]{1, 1}), "more than once"),
                new Bad("overlapping windows", new View("w", "0", "FloatStorage", 6, 0, new long[]{3, 4}, new long[]{2, 1}), "more than once"),
                new Bad("extent overflow", new View("w", "0", "FloatStorage", 6, 0, new long[]{4}, new long[]{Long.MAX_VALUE / 2}), "overflows"),
                new Bad("offset overflow", new View("w", "0", "FloatStorage", 6, Long.MAX_VALUE, new long[]{2}, new long[]{1}), "overflows"),
                new Bad("count overflow", new View("w", "0", "FloatStorage", 6, 0, new long[]{1 << 30, 1 << 30, 1 << 30}, new long[]{1, 1, 1}), "overflows"),
                new Bad("more than an array", new View("w", "0", "FloatStorage", 6, 0, new long[]{1 << 16, 1 << 16}, new long[]{1 << 16, 1}), "more than one float array"),
                new Bad("negative size", new View("w", "0", "FloatStorage", 6, 0, new long[]{-2, 3}, new long[]{3, 1}), "size"));
        for (Bad c : cases) {
            for (boolean legacy : new boolean[]{false, true}) {
                byte[] pkl = TorchPickles.stateDict(List.of(c.view), legacy);
                Map<String, byte[]> st = Map.of("0", TorchPickles.floats(6));
                Path p = TorchPickles.write(dir.resolve("bad.pt"),
                        legacy ? TorchPickles.legacy(pkl, st, null) : TorchPickles.zip("bad", pkl, st));
                IOException e = assertThrows(IOException.class, () -> TensorFiles.loadStateDict(p, null), c.what + (legacy ? " (legacy)" : ""));
                assertRefusal(e, p, c.expect);
            }
        }
    }

    @Test
    void legitimateViewsStillLoad() throws IOException {
        // a transposed view, a strided slice, a size-1 axis with stride 0 (torch writes anything there) and a
        // 2-key tied weight on one storage
        List<View> views = List.of(
                new View("t", "0", "FloatStorage", 6, 0, new long[]{3, 2}, new long[]{1, 3}),
                new View("s", "0", "FloatStorage", 6, 1, new long[]{2}, new long[]{3}),
                new View("one", "0", "FloatStorage", 6, 2, new long[]{1, 3}, new long[]{0, 1}),
                new View("tied_a", "1", "FloatStorage", 4, 0, new long[]{2, 2}, new long[]{2, 1}),
                new View("tied_b", "1", "FloatStorage", 4, 0, new long[]{2, 2}, new long[]{2, 1}));
        Map<String, byte[]> st = new java.util.LinkedHashMap<>();
        st.put("0", TorchPickles.floats(6));
        st.put("1", TorchPickles.floats(4));
        for (boolean legacy : new boolean[]{false, true}) {
            byte[] pkl = TorchPickles.stateDict(views, legacy);
            Path p = TorchPickles.write(dir.resolve("ok.pt"), legacy ? TorchPickles.legacy(pkl, st, null) : TorchPickles.zip("ok", pkl, st));
            Map<String, Tensor> sd = TensorFiles.loadStateDict(p, null);
            assertArrayEquals(new float[]{0, 3, 1, 4, 2, 5}, sd.get("t").toArray());
            assertArrayEquals(new float[]{1, 4}, sd.get("s").toArray());
            assertArrayEquals(new float[]{2, 3, 4}, sd.get("one").toArray());
            assertArrayEquals(sd.get("tied_a").toArray(), sd.get("tied_b").toArray());
        }
    }

    /** Many keys naming one storage: each view is valid, but together they would copy the storage without end. */
    @Test
    void oneStorageFannedOutToManyKeysIsRefused() throws IOException {
        int n = 1 << 20;
        List<View> views = new ArrayList<>();
        for (int i = 0; i < 40; i++) views.add(View.contiguous("w" + i, "0", n));
        Path p = TorchPickles.write(dir.resolve("fan.pt"),
                TorchPickles.zip("fan", TorchPickles.stateDict(views, false), Map.of("0", new byte[4 * n])));
        IOException e = assertThrows(IOException.class, () -> TensorFiles.forEachTensor(p, null, (k, t) -> {}));
        assertRefusal(e, p, "times the");
    }

    @Test
    void storagesLargerThanTheFileAreRefused() throws IOException {
        // zip: the pickle declares 2^40 elements for a 24-byte entry
        byte[] pkl = TorchPickles.stateDict(List.of(new View("w", "0", "FloatStorage", 1L << 40, 0, new long[]{6}, new long[]{1})), false);
        Path p = TorchPickles.write(dir.resolve("big.pt"), TorchPickles.zip("big", pkl, Map.of("0", TorchPickles.floats(6))));
        assertRefusal(assertThrows(IOException.class, () -> TensorFiles.loadStateDict(p, null)), p, "storage 0");
        // legacy: the on-disk count (and the pickle's) is 2^61, whose byte size overflows a long
        long huge = 1L << 61;
        byte[] lp = TorchPickles.stateDict(List.of(new View("w", "0", "FloatStorage", huge, 0, new long[]{6}, new long[]{1})), true);
        Path q = TorchPickles.write(dir.resolve("big_legacy.pt"), TorchPickles.legacy(lp, Map.of("0", TorchPickles.floats(6)), Map.of("0", huge)));
        assertRefusal(assertThrows(IOException.class, () -> TensorFiles.loadStateDict(q, null)), q, "more than the rest of the file");
    }

    @Test
    void safetensorsShapeOverflowIsRefused() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,0]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] f = new byte[8 + h.length];
        java.nio.ByteBuffer.wrap(f).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        Path p = Files.write(dir.resolve("huge.safetensors"), f);
        assertRefusal(assertThrows(IOException.class, () -> Safetensors.load(p)), p, "overflows");
    }

    static void assertRefusal(IOException e, Path file, String problem) {
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "says '" + problem + "': " + e.getMessage());
    }
}
