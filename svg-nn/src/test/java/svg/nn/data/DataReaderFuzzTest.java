package svg.nn.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.dit.DiTConfig;
import svg.nn.image.ImageIo;
import svg.nn.pipeline.ModelManifest;
import svg.nn.pipeline.RecordJson;
import svg.tensor.Tensor;
import svg.tensor.io.Json;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import static svg.nn.data.FuzzCheck.interesting;
import static svg.nn.data.FuzzCheck.mutateBytes;

/**
 * Structure-aware fuzzing of the svg-nn readers: IDX (plain and gzip), images (PNG with damaged IHDR sizes, JPEG,
 * BMP, GIF) and model.json configs (every leaf of a real manifest replaced by hostile values). Each input loads or
 * is refused as {@link FuzzCheck} says; briefly here, longer with scripts/fuzz.sh; kept inputs under test resources
 * fuzz/&lt;target&gt;/ are replayed first.
 */
class DataReaderFuzzTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void idx() throws Exception {
        FuzzCheck.Reader read = IdxFile::read;
        FuzzCheck.replay("idx", dir, "x-idx3-ubyte", IOException.class, read);
        FuzzCheck.run("idx", dir, "x-idx3-ubyte", IOException.class, r -> idxInput(r, false), read);
        FuzzCheck.replay("idx-gz", dir, "x-idx3-ubyte.gz", IOException.class, read);
        FuzzCheck.run("idx-gz", dir, "x-idx3-ubyte.gz", IOException.class, r -> idxInput(r, true), read);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void images() throws Exception {
        FuzzCheck.Reader read = ImageIo::read;
        FuzzCheck.replay("image", dir, "x.img", IOException.class, read);
        FuzzCheck.run("image", dir, "x.img", IOException.class, DataReaderFuzzTest::imageInput, read);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelJson() throws Exception {
        FuzzCheck.replay("model-json", dir, "model.json", IllegalArgumentException.class, DataReaderFuzzTest::readModelJson);
        FuzzCheck.run("model-json", dir, "model.json", IllegalArgumentException.class, DataReaderFuzzTest::modelJsonInput,
                DataReaderFuzzTest::readModelJson);
    }

    /** model.json as the fuzzers read it (shared with JazzerDataReaderFuzzTest): the manifest and both configs. */
    static void readModelJson(Path p) throws IOException {
        ModelManifest m = ModelManifest.fromJson(Json.parse(new String(Files.readAllBytes(p), StandardCharsets.UTF_8)));
        RecordJson.fromMap(DiTConfig.class, m.dit());
        RecordJson.fromMap(SvgAutoencoderConfig.class, m.autoencoder());
    }

    // ------------------------------------------------------------------ IDX

    static byte[] idxInput(Random r, boolean gz) throws IOException {
        int ndim = 1 + r.nextInt(3);
        int[] dims = new int[ndim];
        long n = 1;
        for (int i = 0; i < ndim; i++) { dims[i] = r.nextInt(6); n *= dims[i]; }
        byte[] values = new byte[(int) n];
        r.nextBytes(values);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * ndim + values.length);
        b.putInt(0x0800 | ndim);
        for (int d : dims) b.putInt(d);
        b.put(values);
        byte[] raw = b.array();
        switch (r.nextInt(5)) {
            case 0 -> ByteBuffer.wrap(raw).putInt(4 + 4 * r.nextInt(ndim), (int) interesting(r));
            case 1 -> raw[2 + r.nextInt(2)] = (byte) r.nextInt(256); // type or ndim
            case 2 -> raw = mutateBytes(raw, r);
            default -> { }
        }
        if (!gz) return raw;
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(bo)) { z.write(raw); }
        return r.nextInt(4) == 0 ? mutateBytes(bo.toByteArray(), r) : bo.toByteArray();
    }

    // ------------------------------------------------------------------ images

    private static final String[] FORMATS = {"png", "png", "jpg", "bmp", "gif"};

    static byte[] imageInput(Random r) throws IOException {
        int w = 1 + r.nextInt(9), h = 1 + r.nextInt(9);
        String fmt = FORMATS[r.nextInt(FORMATS.length)];
        byte[] b;
        if (fmt.equals("png")) b = ImageIo.pngBytes(Tensor.rand(new svg.tensor.Rng(r.nextLong()), 0, 1, 3, h, w));
        else {
            BufferedImage img = new BufferedImage(w, h, fmt.equals("gif") ? BufferedImage.TYPE_BYTE_INDEXED : BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt());
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            ImageIO.write(img, fmt, bo);
            b = bo.toByteArray();
        }
        if (fmt.equals("png") && r.nextInt(3) == 0) { // a damaged size in IHDR, with its CRC made valid again
            ByteBuffer bb = ByteBuffer.wrap(b);
            bb.putInt(16 + 4 * r.nextInt(2), r.nextInt(8) == 0 ? 8192 : (int) interesting(r));
            CRC32 crc = new CRC32();
            crc.update(b, 12, 17);
            bb.putInt(29, (int) crc.getValue());
            return r.nextInt(3) == 0 ? mutateBytes(b, r) : b;
        }
        return r.nextInt(4) == 0 ? b : mutateBytes(b, r);
    }

    // ------------------------------------------------------------------ model.json

    static byte[] modelJsonInput(Random r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", ModelManifest.FORMAT);
        m.put("dit", RecordJson.toMap(DiTConfig.S));
        m.put("autoencoder", RecordJson.toMap(SvgAutoencoderConfig.SVG));
        m.put("classes", new ArrayList<>(List.of("a", "b")));
        m.put("image_size", 256L);
        m.put("feature_norm", true);
        Map<String, Object> sampling = new LinkedHashMap<>(); // not Map.of: its order changes from run to run
        sampling.put("steps", 25L);
        sampling.put("cfg", 4.0);
        sampling.put("cfg_interval", new ArrayList<>(List.of(0.0, 1.0)));
        m.put("sampling", sampling);
        for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) damage(m, r);
        byte[] b = Json.write(m).getBytes(StandardCharsets.UTF_8);
        return r.nextInt(5) == 0 ? mutateBytes(b, r) : b;
    }

    /** Replaces, removes or adds one value somewhere in the tree. */
    @SuppressWarnings("unchecked")
    private static void damage(Object node, Random r) {
        while (true) {
            if (node instanceof Map<?, ?> mm) {
                Map<String, Object> m = (Map<String, Object>) mm;
                if (m.isEmpty() || r.nextInt(8) == 0) { m.put("unknown_" + r.nextInt(3), hostile(r)); return; }
                String k = new ArrayList<>(m.keySet()).get(r.nextInt(m.size()));
                Object v = m.get(k);
                if ((v instanceof Map || v instanceof List) && r.nextInt(4) != 0) { node = v; continue; }
                if (r.nextInt(10) == 0) m.remove(k);
                else m.put(k, hostile(r));
                return;
            }
            List<Object> l = (List<Object>) node;
            if (l.isEmpty()) { l.add(hostile(r)); return; }
            int i = r.nextInt(l.size());
            if ((l.get(i) instanceof Map || l.get(i) instanceof List) && r.nextInt(4) != 0) { node = l.get(i); continue; }
            l.set(i, hostile(r));
            return;
        }
    }

    private static Object hostile(Random r) {
        return switch (r.nextInt(8)) {
            case 0, 1, 2 -> interesting(r);
            case 3 -> FuzzCheck.pick(r, List.of(1e30, -1e30, 0.5, -0.0, 1e-300, 4.0));
            case 4 -> FuzzCheck.pick(r, List.of("", "x", "euler", "layernormbf16", "separate"));
            case 5 -> r.nextBoolean();
            case 6 -> new ArrayList<>(List.of(interesting(r), interesting(r)));
            default -> new LinkedHashMap<>();
        };
    }
}
