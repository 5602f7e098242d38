package svg.nn.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.image.ImageIo;
import svg.nn.pipeline.ModelManifest;
import svg.nn.pipeline.RecordJson;
import svg.nn.dit.DiTConfig;
import svg.tensor.Tensor;
import svg.tensor.io.Json;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * IDX files, images and JSON configs that declare what cannot be: each is refused with an IOException (an
 * IllegalArgumentException for configs) naming the file and the problem, before the declared size is allocated.
 */
class HostileInputsTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ IDX

    /** Issue 13: a 20-byte header declaring 2^31 - 17 values used to allocate 2 GB before reading anything. */
    @Test
    void idxHeaderThatDisagreesWithTheFileSizeIsRefusedBeforeAllocating() throws IOException {
        Path p = Files.write(dir.resolve("big-idx3-ubyte"), idx(new int[]{Integer.MAX_VALUE - 17, 1, 1}, new byte[8]));
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("needs") && e.getMessage().contains("truncated"), e.getMessage());

        // compressed: the size is known only at the end; the values are read as they arrive
        Path gz = gzip(dir.resolve("big-idx3-ubyte.gz"), idx(new int[]{Integer.MAX_VALUE - 17, 1, 1}, new byte[8]));
        e = assertThrows(IOException.class, () -> IdxFile.read(gz));
        assertTrue(e.getMessage().contains(gz.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void idxSizesMultiplyExactly() throws IOException {
        // 65536^4 = 2^64 wraps to 0 in a long: with 0 values this used to load as an "empty" file
        Path p = Files.write(dir.resolve("wrap-idx"), idx(new int[]{65536, 65536, 65536, 65536}, new byte[0]));
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(p));
        assertTrue(e.getMessage().contains("overflow") && e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void idxWithTrailingDataIsRefused() throws IOException {
        byte[] ok = idx(new int[]{2, 3}, new byte[6]);
        assertEquals(6, IdxFile.read(Files.write(dir.resolve("ok-idx"), ok)).data().length);
        byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 5);
        Path p = Files.write(dir.resolve("long-idx"), longer);
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(p));
        assertTrue(e.getMessage().contains("the file has " + longer.length), e.getMessage());
        Path gz = gzip(dir.resolve("long-idx.gz"), longer);
        e = assertThrows(IOException.class, () -> IdxFile.read(gz));
        assertTrue(e.getMessage().contains("data after"), e.getMessage());
        Path cut = Files.write(dir.resolve("cut-idx"), java.util.Arrays.copyOf(ok, 9));
        e = assertThrows(IOException.class, () -> IdxFile.read(cut));
        assertTrue(e.getMessage().contains("truncated IDX header"), e.getMessage());
    }

    // ------------------------------------------------------------------ images

    @Test
    void imagesDeclaringTooManyPixelsAreRefusedFromTheHeader() throws IOException {
        for (int[] wh : new int[][]{{Integer.MAX_VALUE, Integer.MAX_VALUE}, {ImageIo.MAX_SIDE + 1, 1}, {1, 100_000},
                {10_000, 10_000}}) {
            // a 60-byte PNG: only the header, no pixel data (decoding it would fail; the size check comes first)
            Path p = Files.write(dir.resolve("huge.png"), png(wh[0], wh[1]));
            IOException e = assertThrows(IOException.class, () -> ImageIo.read(p));
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("beyond the limit"), e.getMessage());
        }
        Path zero = Files.write(dir.resolve("zero.png"), png(0, 5));
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(zero));
        assertTrue(e.getMessage().contains(zero.toString()), e.getMessage());
    }

    @Test
    void imageFolderChecksSizesToo() throws IOException {
        Path cls = Files.createDirectories(dir.resolve("folder/a"));
        ImageIo.writePng(Tensor.full(0.5f, 3, 4, 5), cls.resolve("ok.png"));
        Files.write(cls.resolve("z_huge.png"), png(50_000, 50_000));
        ImageFolder f = new ImageFolder(dir.resolve("folder"));
        assertEquals(5, f.get(0).image().width());
        Exception e = assertThrows(java.io.UncheckedIOException.class, () -> f.get(1));
        assertTrue(e.getMessage().contains("beyond the limit"), e.getMessage());
    }

    @Test
    void truncatedAndGarbledImagesAreIOExceptions() throws IOException {
        byte[] good = ImageIo.pngBytes(Tensor.full(0.25f, 3, 6, 7));
        Path p = dir.resolve("t.png");
        for (int cut = 0; cut < good.length; cut += 3) {
            Files.write(p, java.util.Arrays.copyOf(good, cut));
            try {
                // Java's PNG reader ignores a missing CRC or IEND: a cut there still decodes the whole image
                assertArrayEquals(new int[]{3, 6, 7}, ImageIo.read(p).shape(), "cut at " + cut);
                assertTrue(cut > 33, "a cut inside the header must not decode: " + cut);
            } catch (IOException e) {
                assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ JSON configs

    @Test
    void configNumbersAreExact() {
        Map<String, Object> dit = RecordJson.toMap(DiTConfig.S);
        for (Object bad : new Object[]{4294967297L, 1e30, 2.5, "16", null}) {
            Map<String, Object> m = new java.util.LinkedHashMap<>(dit);
            m.put("depth", bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecordJson.fromMap(DiTConfig.class, m), String.valueOf(bad));
            assertTrue(e.getMessage().contains("DiTConfig.depth"), e.getMessage());
        }
        String manifest = "{\"format\": 7, \"dit\": {}, \"autoencoder\": {}, \"image_size\": 32}";
        assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(manifest)));
        String wrap = "{\"format\": \"svg-jvm-model/1\", \"dit\": {}, \"autoencoder\": {}, \"image_size\": 4294967328}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(wrap)));
        assertTrue(e.getMessage().contains("image_size") && e.getMessage().contains("out of range"), e.getMessage());
        String steps = "{\"format\": \"svg-jvm-model/1\", \"dit\": {}, \"autoencoder\": {}, \"image_size\": 32, \"sampling\": {\"steps\": 1e12}}";
        assertThrows(IllegalArgumentException.class, () -> ModelManifest.fromJson(Json.parse(steps)));
    }

    // ------------------------------------------------------------------ builders

    static byte[] idx(int[] dims, byte[] values) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(values);
        return bo.toByteArray();
    }

    static Path gzip(Path p, byte[] bytes) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) { o.write(bytes); }
        return p;
    }

    /** PNG signature, an IHDR (8-bit RGB) with the given size and a valid CRC, and IEND: no image data. */
    static byte[] png(int w, int h) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream hd = new DataOutputStream(ihdr);
        hd.writeInt(w);
        hd.writeInt(h);
        hd.write(new byte[]{8, 2, 0, 0, 0});
        chunk(d, "IHDR", ihdr.toByteArray());
        chunk(d, "IEND", new byte[0]);
        return bo.toByteArray();
    }

    private static void chunk(DataOutputStream d, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }
}
