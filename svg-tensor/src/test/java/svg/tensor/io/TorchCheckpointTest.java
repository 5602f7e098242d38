package svg.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static svg.tensor.io.IoTestSupport.assertTensorEquals;
import static svg.tensor.io.IoTestSupport.resource;

class TorchCheckpointTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ golden checkpoints

    @Test
    void emaCheckpointEqualsSafetensorsWeights() throws IOException {
        assertSameStateDict(Safetensors.load(resource("golden/svg_dit/weights.safetensors")),
                TorchCheckpoint.stateDict(resource("golden/svg_dit/weights_ema.pt"), "ema"));
        // auto container picks "ema" too
        assertSameStateDict(Safetensors.load(resource("golden/svg_dit/weights.safetensors")),
                TensorFiles.loadStateDict(resource("golden/svg_dit/weights_ema.pt"), null));
    }

    @Test
    void lightningCheckpointEqualsSafetensorsWeightsAndKeepsTopLevelValues() throws IOException {
        Path ckpt = resource("golden/svg_autoencoder_encode/weights_lightning.ckpt");
        assertSameStateDict(Safetensors.load(resource("golden/svg_autoencoder_encode/weights.safetensors")),
                TorchCheckpoint.stateDict(ckpt, "state_dict"));
        assertSameStateDict(Safetensors.load(resource("golden/svg_autoencoder_encode/weights.safetensors")),
                TensorFiles.loadStateDict(ckpt, null));

        Map<?, ?> top = (Map<?, ?>) TorchCheckpoint.load(ckpt);
        assertEquals(3L, top.get("epoch"));
        assertEquals(1234L, top.get("global_step"));
        assertEquals("2.4.0", top.get("pytorch-lightning_version"));
        assertEquals(Map.of(), top.get("loops"));
        assertEquals(Map.of(), top.get("callbacks"));
        assertEquals(List.of(), top.get("optimizer_states"));
        assertEquals(List.of(), top.get("lr_schedulers"));
        assertInstanceOf(Tensor.class, ((Map<?, ?>) top.get("state_dict")).get("mask_token"));
    }

    @Test
    void describeReadsShapesWithoutData() throws IOException {
        List<TensorInfo> fromPt = TensorFiles.describe(resource("golden/svg_dit/weights_ema.pt"));
        List<TensorInfo> fromSt = TensorFiles.describe(resource("golden/svg_dit/weights.safetensors"));
        assertEquals(fromSt, fromPt);
    }

    @Test
    void missingContainerIsNamed() {
        IOException e = assertThrows(IOException.class,
                () -> TorchCheckpoint.stateDict(resource("golden/svg_dit/weights_ema.pt"), "model"));
        assertTrue(e.getMessage().contains("no key 'model'") && e.getMessage().contains("[ema]"), e.getMessage());
    }

    // ------------------------------------------------------------------ dtypes, views, layouts (fixtures from gen_fixtures.py)

    @Test
    void mixedDtypesViewsAndPythonValues() throws IOException {
        Map<String, Tensor> expected = Safetensors.load(resource("torch_mixed_expected.safetensors"));
        for (String f : new String[]{"torch_mixed.pt", "torch_mixed_v2.pt", "torch_mixed_big.pt"}) {
            Map<?, ?> top = (Map<?, ?>) TorchCheckpoint.load(resource(f));
            for (var e : expected.entrySet())
                assertTensorEquals(e.getValue(), (Tensor) top.get(e.getKey()), f + ":" + e.getKey());
            assertEquals(7L, top.get("epoch"));
            assertEquals(0.001, top.get("lr"));
            assertEquals("svg", top.get("name"));
            assertEquals(List.of(1L, 2L, 3L), top.get("shape"));
            assertEquals(java.util.Arrays.asList(1L, "two", null, true, false), top.get("items"));
            assertEquals(Map.of(), top.get("empty"));
            LinkedHashMap<String, Tensor> sd = TorchCheckpoint.stateDict(resource(f), null);
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(sd.keySet()), "non-tensor entries skipped, order kept");
        }
        assertArrayEquals(new float[]{3, -1, 7, 1000000}, expected.get("labels").toArray());
        List<TensorInfo> infos = TensorFiles.describe(resource("torch_mixed.pt"));
        assertEquals(new TensorInfo("bf16", DType.BF16, new int[]{2, 3}), infos.get(2));
        assertEquals(new TensorInfo("labels", DType.I64, new int[]{4}), infos.get(4));
    }

    @Test
    void forEachTensorStreamsTheSameStateDictOneTensorAtATime() throws IOException {
        // torch zip (views of shared storages, mixed dtypes), legacy torch, a container, and safetensors
        for (String f : new String[]{"torch_mixed.pt", "torch_mixed_big.pt", "torch_mixed_legacy.pt", "golden/svg_dit/weights_ema.pt",
                "golden/svg_dit/weights.safetensors"}) {
            Map<String, Tensor> whole = TensorFiles.loadStateDict(resource(f), null);
            Map<String, Tensor> streamed = new LinkedHashMap<>();
            TensorFiles.forEachTensor(resource(f), null, (name, t) -> assertNull(streamed.put(name, t), f + ": " + name + " twice"));
            assertEquals(List.copyOf(whole.keySet()), List.copyOf(streamed.keySet()), f);
            for (var e : whole.entrySet()) assertTensorEquals(e.getValue(), streamed.get(e.getKey()), f + ":" + e.getKey());
            assertEquals(whole.keySet().stream().toList(), TensorFiles.describe(resource(f), null).stream().map(TensorInfo::name).toList(), f);
        }
        Map<String, Tensor> ema = new LinkedHashMap<>();
        TensorFiles.forEachTensor(resource("golden/svg_dit/weights_ema.pt"), "ema", ema::put);
        assertEquals(TorchCheckpoint.stateDict(resource("golden/svg_dit/weights_ema.pt"), "ema").keySet(), ema.keySet());
        assertThrows(IOException.class, () -> TensorFiles.forEachTensor(resource("golden/svg_dit/weights_ema.pt"), "model", (n, t) -> fail()));
    }

    // ------------------------------------------------------------------ malicious pickles

    @Test
    void refusesOsSystemViaReduceAndExecutesNothing() throws IOException {
        Path marker = dir.resolve("pwned");
        // protocol 2: GLOBAL 'posix system', ('touch <marker>',), REDUCE, STOP
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[]{(byte) 0x80, 2});
        p.write("cposix\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        writeBinUnicode(p, "touch " + marker);
        p.write(new byte[]{(byte) 0x85, 'R', '.'});
        Path evil = torchZip("evil", p.toByteArray());
        for (var load : List.<ThrowingLoad>of(TorchCheckpoint::load, x -> TorchCheckpoint.stateDict(x, null),
                x -> TensorFiles.loadStateDict(x, null), TensorFiles::describe)) {
            UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> load.run(evil));
            assertEquals("posix.system", e.global());
            assertTrue(e.getMessage().startsWith("refused global posix.system"), e.getMessage());
            assertTrue(e.getMessage().contains(evil.toString()), e.getMessage());
        }
        assertFalse(Files.exists(marker), "nothing was executed");
    }

    @Test
    void refusesStackGlobalEvalHiddenInsideAStateDict() throws IOException {
        // protocol 4: {'ok': 1, 'x': builtins.eval('1+1')} with STACK_GLOBAL and MEMOIZE
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[]{(byte) 0x80, 4, '}', (byte) 0x94, '('});
        writeShortUnicode(p, "ok");
        p.write(new byte[]{'K', 1});
        writeShortUnicode(p, "x");
        writeShortUnicode(p, "builtins");
        writeShortUnicode(p, "eval");
        p.write(new byte[]{(byte) 0x93});
        writeShortUnicode(p, "1+1");
        p.write(new byte[]{(byte) 0x85, 'R', 'u', '.'});
        Path evil = torchZip("evil2", p.toByteArray());
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchCheckpoint.load(evil));
        assertEquals("builtins.eval", e.global());
    }

    @Test
    void refusesOtherDangerousGlobals() {
        for (String[] g : new String[][]{{"os", "system"}, {"subprocess", "Popen"}, {"builtins", "exec"},
                {"torch", "load"}, {"torch._utils", "_rebuild_device_tensor_from_numpy"}, {"collections", "defaultdict"},
                {"torch.serialization", "load"}, {"numpy.core.multiarray", "_reconstruct"}}) {
            UnsafePickleException e = assertThrows(UnsafePickleException.class,
                    () -> RestrictedUnpickler.resolveGlobal(g[0], g[1], "test"));
            assertEquals(g[0] + "." + g[1], e.global());
        }
    }

    @Test
    void plainValuesInProtocols0To5() throws IOException {
        List<Object> expected = java.util.Arrays.asList(1L, 2L, "a", "a", null, true, false, 3.0, 10L, List.of(3L), -5L,
                1L << 40, java.math.BigInteger.TWO.pow(70), Long.MIN_VALUE, List.of(1L), List.of(1L, 2L),
                List.of(1L, 2L, 3L), List.of(), Map.of("k", "v"), "\u00e9", 70000L, -1L, "x".repeat(300));
        for (int proto : new int[]{0, 2, 4, 5}) {
            byte[] p = Files.readAllBytes(resource("values_p" + proto + ".pkl"));
            List<?> v = (List<?>) new RestrictedUnpickler(p, "test", null).load();
            assertEquals(expected, v.subList(0, expected.size()), "protocol " + proto);
            if (proto >= 4) {
                assertArrayEquals(new byte[]{'a', 'b'}, (byte[]) v.get(expected.size()));
                assertEquals(java.util.Set.of(1L, 2L), v.get(expected.size() + 1));
                assertEquals(java.util.Set.of(3L), v.get(expected.size() + 2));
            } else assertEquals(expected.size(), v.size());
        }
        // Protocol 2 spells bytes as a call to _codecs.encode: not on the allow-list, so refused.
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> new RestrictedUnpickler(Files.readAllBytes(resource("bytes_p2.pkl")), "test", null).load());
        assertEquals("_codecs.encode", e.global());
    }

    @Test
    void truncatedAndGarbledPicklesAreIOExceptions() throws IOException {
        byte[] good = Files.readAllBytes(resource("values_p4.pkl"));
        for (int cut = 1; cut < good.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(good, cut);
            assertThrows(IOException.class, () -> new RestrictedUnpickler(part, "t", null).load(), "cut at " + cut);
        }
        // A huge declared string length must not allocate.
        byte[] huge = hex("80048dffffffffffffff7f");
        IOException e = assertThrows(IOException.class, () -> new RestrictedUnpickler(huge, "t", null).load());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void notAZipOrMissingStorageIsAClearError() throws IOException {
        Path junk = dir.resolve("junk.pt");
        Files.write(junk, "PK this is not really a zip".getBytes(StandardCharsets.US_ASCII));
        IOException e = assertThrows(IOException.class, () -> TensorFiles.loadStateDict(junk, null));
        assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());

        // A tensor whose storage entry is missing from the archive.
        byte[] pkl = Files.readAllBytes(resource("torch_mixed.pt")); // not a pickle: use the real archive instead
        Path broken = dir.resolve("broken.pt");
        try (var zin = new java.util.zip.ZipFile(resource("torch_mixed.pt").toFile());
             var zout = new ZipOutputStream(Files.newOutputStream(broken))) {
            for (var en = zin.entries(); en.hasMoreElements(); ) {
                ZipEntry ze = en.nextElement();
                if (ze.getName().endsWith("/data/0")) continue;
                zout.putNextEntry(new ZipEntry(ze.getName()));
                zin.getInputStream(ze).transferTo(zout);
                zout.closeEntry();
            }
        }
        assertTrue(pkl.length > 0);
        e = assertThrows(IOException.class, () -> TorchCheckpoint.stateDict(broken, null));
        assertTrue(e.getMessage().contains("missing storage entry") && e.getMessage().contains("data/0"), e.getMessage());
    }

    @Test
    void legacyFormatLoadsLikeTheZipFormat() throws IOException {
        Map<String, Tensor> expected = Safetensors.load(resource("torch_mixed_expected.safetensors"));
        Path legacy = resource("torch_mixed_legacy.pt");
        assertEquals(TensorFiles.Format.LEGACY_TORCH, TensorFiles.detect(legacy));
        Map<?, ?> top = (Map<?, ?>) TorchCheckpoint.load(legacy);
        for (var e : expected.entrySet()) assertTensorEquals(e.getValue(), (Tensor) top.get(e.getKey()), "legacy:" + e.getKey());
        assertEquals(List.of(1L, 2L, 3L), top.get("shape"));
        assertEquals(TensorFiles.describe(resource("torch_mixed.pt")), TensorFiles.describe(legacy));
    }

    @Test
    void moduleStateDictMetadataIsNotAnItem() throws IOException {
        Map<String, Tensor> expected = Safetensors.load(resource("module_state_expected.safetensors"));
        for (String f : new String[]{"module_state.pt", "module_state_legacy.pt"}) {
            Map<?, ?> top = (Map<?, ?>) TorchCheckpoint.load(resource(f));
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(top.keySet()), f + ": no _metadata entry");
            assertSameStateDict(expected, TensorFiles.loadStateDict(resource(f), null));
        }
    }

    @Test
    void realOfficialFiles() throws IOException {
        // torch 2.x zip layout (byteorder, .data/serialization_id) from the SVG repository
        assertSameStateDict(Safetensors.load(resource("dinov3_sp_stats_expected.safetensors")),
                TensorFiles.loadStateDict(resource("dinov3_sp_stats.pt"), null));
        // legacy format with cuda:0 storages (LPIPS linear layers shipped in the SVG repository)
        assertSameStateDict(Safetensors.load(resource("lpips_vgg_expected.safetensors")),
                TensorFiles.loadStateDict(resource("lpips_vgg_legacy.pth"), null));
    }

    @Test
    void truncatedLegacyFilesFailCleanly() throws IOException {
        byte[] all = Files.readAllBytes(resource("lpips_vgg_legacy.pth"));
        Path f = dir.resolve("cut.pth");
        for (int cut = 0; cut < all.length; cut += 97) {
            Files.write(f, java.util.Arrays.copyOf(all, cut));
            IOException e = assertThrows(IOException.class, () -> TensorFiles.loadStateDict(f, null), "cut " + cut);
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ helpers

    interface ThrowingLoad { Object run(Path p) throws IOException; }

    private static void assertSameStateDict(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        for (var e : expected.entrySet()) assertTensorEquals(e.getValue(), actual.get(e.getKey()), e.getKey());
    }

    private Path torchZip(String stem, byte[] pickle) throws IOException {
        Path p = dir.resolve(stem + ".pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry(stem + "/data.pkl"));
            z.write(pickle);
            z.closeEntry();
            z.putNextEntry(new ZipEntry(stem + "/version"));
            z.write("3\n".getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
        }
        return p;
    }

    private static void writeBinUnicode(OutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write('X');
        o.write(new byte[]{(byte) b.length, (byte) (b.length >> 8), (byte) (b.length >> 16), (byte) (b.length >> 24)});
        o.write(b);
    }

    private static void writeShortUnicode(OutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write(0x8c);
        o.write(b.length);
        o.write(b);
    }

    private static byte[] hex(String s) {
        byte[] r = new byte[s.length() / 2];
        for (int i = 0; i < r.length; i++) r[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return r;
    }
}
