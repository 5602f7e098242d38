package svg.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static svg.tensor.io.IoTestSupport.assertTensorEquals;
import static svg.tensor.io.IoTestSupport.resource;

class SafetensorsTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ golden files

    @Test
    void readsGoldenWeightsWithMetadataInFileOrder() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(resource("golden/svg_dit/weights.safetensors"))) {
            assertEquals("DiT", f.metadata().get("model"));
            assertTrue(f.metadata().get("config").contains("\"hidden_size\": 96"));
            List<TensorInfo> ts = f.tensors();
            assertEquals(new TensorInfo("pos_embed", DType.F32, new int[]{1, 256, 96}), ts.get(0));
            assertEquals("t_embedder.mlp.0.weight", ts.get(1).name());
            Tensor w = f.load("t_embedder.mlp.0.weight");
            assertArrayEquals(new int[]{96, 256}, w.shape());
            // Independent check of the first value: read the raw little-endian float from the file.
            byte[] all = Files.readAllBytes(f.path());
            long hlen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            float first = ByteBuffer.wrap(all, (int) (8 + hlen + 98304), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
            assertEquals(first, w.get(0, 0));
        }
    }

    @Test
    void readsEveryGoldenFileInSharedFolderWhenPresent() throws IOException {
        Path golden = Path.of("/work/shared/golden");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(golden), "no /work/shared/golden on this machine");
        int files = 0;
        try (var s = Files.walk(golden)) {
            for (Path p : s.filter(x -> x.toString().endsWith(".safetensors")).toList()) {
                Map<String, Tensor> m = Safetensors.load(p);
                assertFalse(m.isEmpty(), p.toString());
                assertEquals(m.keySet().stream().toList(), TensorFiles.describe(p).stream().map(TensorInfo::name).toList());
                files++;
            }
        }
        assertTrue(files >= 10, "found " + files);
    }

    @Test
    void convertsInt64LabelsToFloat() throws IOException {
        Path p = dir.resolve("labels.safetensors");
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(3).putLong(-1).putLong(999);
        writeRaw(p, "{\"y\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]}}", data.array());
        Tensor y = Safetensors.load(p).get("y");
        assertArrayEquals(new float[]{3, -1, 999}, y.toArray());
    }

    // ------------------------------------------------------------------ writing

    @Test
    void roundTripF32IsExactAndKeepsOrderMetadataAndViews() throws IOException {
        Rng rng = new Rng(1);
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("z.weight", Tensor.randn(rng, 3, 4, 5));
        m.put("a.bias", Tensor.randn(rng, 7));
        m.put("scalar", Tensor.scalar(-2.25f));
        m.put("empty", Tensor.zeros(0, 3));
        m.put("transposed", Tensor.randn(rng, 4, 6).transpose(0, 1)); // non-contiguous: must be written C-order
        Path p = dir.resolve("sub/rt.safetensors");
        Safetensors.save(p, m, Map.of("format", "pt"));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.copyOf(m.keySet()), f.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(Map.of("format", "pt"), f.metadata());
            for (var e : m.entrySet()) assertTensorEquals(e.getValue(), f.load(e.getKey()), e.getKey());
        }
        byte[] raw = Files.readAllBytes(p);
        long hlen = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, hlen % 8, "header padded to a multiple of 8");
        assertTrue(new String(raw, 8, (int) hlen, StandardCharsets.UTF_8).startsWith("{\"__metadata__\":{\"format\":\"pt\"}"));
        try (var s = Files.list(p.getParent())) {
            assertEquals(List.of(p), s.toList(), "no temporary file left behind");
        }
    }

    @Test
    void halfPrecisionWritesMatchTorchRounding() throws IOException {
        Map<String, Tensor> ref = Safetensors.load(resource("half_expected.safetensors"));
        Tensor x = ref.get("x");
        for (DType dt : new DType[]{DType.F16, DType.BF16}) {
            Path p = dir.resolve("h_" + dt + ".safetensors");
            Safetensors.save(p, Map.of("x", x), Map.of(), dt);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(dt, f.info("x").dtype());
                assertEquals(x.numel() * 2L, f.bytes("x").byteSize());
                assertTensorEquals(ref.get(dt == DType.F16 ? "x_f16" : "x_bf16"), f.load("x"), "x as " + dt);
            }
        }
    }

    @Test
    void halfConversionEdgeCases() {
        // ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 in f16 -> rounds to 1 (even mantissa)
        assertEquals(1f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(1f + 0x1p-11f)));
        assertEquals(1f + 0x1p-9f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(1f + 3 * 0x1p-11f)));
        assertEquals(1f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1f + 0x1p-8f)));
        assertEquals(1f + 0x1p-6f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1f + 3 * 0x1p-8f)));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001)))));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.MAX_VALUE)));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.f16ToFloat(HalfFloats.floatToF16(-70000f)));
    }

    @Test
    void saveRejectsUnsupportedDtypeAndReservedName() {
        Map<String, Tensor> one = Map.of("x", Tensor.ones(2));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.save(dir.resolve("a"), one, Map.of(), DType.I64));
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.save(dir.resolve("b"), Map.of("__metadata__", Tensor.ones(1)), Map.of()));
        assertFalse(Files.exists(dir.resolve("a")));
    }

    @Test
    void overwriteReplacesFileAtomically() throws IOException {
        Path p = dir.resolve("w.safetensors");
        Safetensors.save(p, Map.of("x", Tensor.ones(3)), null);
        Safetensors.save(p, Map.of("y", Tensor.full(2f, 2)), null);
        assertEquals(List.of("y"), List.copyOf(Safetensors.load(p).keySet()));
    }

    // ------------------------------------------------------------------ corrupt input

    @Test
    void corruptFilesGiveClearErrors() throws IOException {
        String ok = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] d8 = new byte[8];
        assertCorrupt(bytes(new byte[]{1, 2, 3}), "shorter than the 8-byte header length");
        assertCorrupt(withLength(Long.MAX_VALUE, ok, d8), "exceeds the file size");
        assertCorrupt(withLength(-5, ok, d8), "too small");
        assertCorrupt(withLength(1000, ok, d8), "exceeds the file size");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", d8), "not valid JSON");
        assertCorrupt(file("[1,2]", d8), "does not start with '{'");
        assertCorrupt(file("{\"x\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", d8), "unknown dtype 'Q7'");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", d8), "needs 12 bytes");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", d8), "run past the data section");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", d8), "bad shape");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", d8), "bad data_offsets");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", d8), "data_offsets");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", d8), "overlaps");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", d8), "gap of 4 bytes");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", d8), "cover 4");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", d8), "bad shape");
        assertCorrupt(file("{\"x\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", d8), "overflows");
        assertCorrupt(file("{\"__metadata__\":{\"a\":1}}", new byte[0]), "not a string");
        assertCorrupt(file("{\"x\":5}", d8), "not an object");
        byte[] badUtf8 = file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", d8);
        badUtf8[10] = (byte) 0xFF;
        assertCorrupt(badUtf8, "UTF-8");
    }

    @Test
    void truncatedGoldenFileIsRejected() throws IOException {
        byte[] all = Files.readAllBytes(resource("golden/svg_dit/weights.safetensors"));
        for (int cut : new int[]{4, 100, all.length / 2, all.length - 1}) {
            byte[] part = java.util.Arrays.copyOf(all, cut);
            IOException e = assertCorrupt(part, "");
            assertTrue(e.getMessage().contains("exceeds the file size") || e.getMessage().contains("run past the data section")
                    || e.getMessage().contains("shorter than"), e.getMessage());
        }
    }

    /**
     * The >2 GB path: a sparse file whose second tensor starts 3e9 bytes into the data section. Offsets are longs all
     * the way, so the tail tensor loads correctly; the 3 GB tensor itself is refused clearly (one float array cannot
     * hold it). The sparse file costs no disk space where the file system supports holes.
     */
    @Test
    void offsetsBeyond2GbWork() throws IOException {
        long big = 3_000_000_000L;
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[3,1000000000],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + big + "," + (big + 12) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.seek(8 + h.length + big);
            raf.write(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(7f).array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(3_000_000_000L, f.tensors().get(0).numel());
            assertArrayEquals(new float[]{1.5f, -2f, 7f}, f.load("tail").toArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.load("pad"));
            assertTrue(e.getMessage().contains("more than one float array holds"), e.getMessage());
        }
    }

    @Test
    void loadAfterCloseFailsAndUnknownNameIsNamed() throws IOException {
        Path p = dir.resolve("c.safetensors");
        Safetensors.save(p, Map.of("x", Tensor.ones(2)), null);
        SafetensorsFile f = SafetensorsFile.open(p);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.load("nope"));
        assertTrue(e.getMessage().contains("no tensor 'nope'"));
        f.close();
        assertThrows(IllegalStateException.class, () -> f.load("x"));
    }

    // ------------------------------------------------------------------ helpers

    private IOException assertCorrupt(byte[] content, String expected) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, content);
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        return e;
    }

    private static byte[] bytes(byte[] b) { return b; }

    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return withLength(h.length, header, data);
    }

    private static byte[] withLength(long len, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(len).put(h).put(data).array();
    }

    private static void writeRaw(Path p, String header, byte[] data) throws IOException {
        Files.write(p, file(header, data));
    }
}
