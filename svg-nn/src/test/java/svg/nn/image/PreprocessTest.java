package svg.nn.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** ADM center crop against Pillow's output for the same image (fixtures from make_fixtures.py). */
class PreprocessTest {
    @TempDir
    Path dir;

    private void matchesPillow(int size) throws IOException {
        Tensor src = ImageIo.read(Fixtures.copy("src_rgb_37x53.png", dir));
        Tensor pil = ImageIo.read(Fixtures.copy("pil_center_crop_" + size + ".png", dir));
        Tensor ours = Preprocess.centerCrop(src, size);
        assertArrayEquals(new int[]{3, size, size}, ours.shape());
        // Pillow rounds to 8 bits after every pass (two per resize, up to three resizes), we do not: a level or two apart
        float max = Fixtures.maxAbsDiff(ours.toArray(), pil.toArray());
        double mean = Fixtures.meanAbsDiff(ours.toArray(), pil.toArray());
        assertTrue(max <= 2.5f / 255, "size " + size + ": max diff " + max * 255 + " levels");
        assertTrue(mean <= 1.2 / 255, "size " + size + ": mean diff " + mean * 255 + " levels");
    }

    /** Against Pillow's float ("F" mode) resize: same arithmetic without 8-bit rounding, so a tight tolerance. */
    private void matchesPillowFloat(int size) throws IOException {
        Tensor src = ImageIo.read(Fixtures.copy("src_rgb_37x53.png", dir));
        byte[] raw = java.nio.file.Files.readAllBytes(Fixtures.copy("pil_float_center_crop_" + size + ".f32", dir));
        java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] pil = new float[fb.remaining()];
        fb.get(pil);
        for (int i = 0; i < pil.length; i++) pil[i] = Math.min(1f, Math.max(0f, pil[i] / 255f));
        float max = Fixtures.maxAbsDiff(Preprocess.centerCrop(src, size).toArray(), pil);
        assertTrue(max < 2e-5f, "size " + size + ": max diff vs Pillow float " + max);
    }

    @Test
    void floatPathMatchesPillowFloat() throws IOException {
        matchesPillowFloat(8);
        matchesPillowFloat(16);
        matchesPillowFloat(48);
    }

    @Test
    void boxHalvingThenBicubicDown() throws IOException { matchesPillow(16); }

    @Test
    void twoHalvingsThenBicubic() throws IOException { matchesPillow(8); }

    @Test
    void bicubicUpscale() throws IOException { matchesPillow(48); }

    @Test
    void resizeToSameSizeIsIdentity() {
        Tensor x = Tensor.arange(3 * 4 * 5).reshape(3, 4, 5);
        assertArrayEquals(x.toArray(), Resample.resize(x, 4, 5, Resample.Filter.BICUBIC).toArray(), 0f);
    }

    @Test
    void boxHalvingAveragesPairs() {
        Tensor x = Tensor.of(new float[]{0, 1, 2, 3, 4, 5, 6, 7}, 1, 2, 4);
        Tensor y = Resample.resize(x, 1, 2, Resample.Filter.BOX);
        assertArrayEquals(new float[]{(0 + 1 + 4 + 5) / 4f, (2 + 3 + 6 + 7) / 4f}, y.toArray(), 1e-6f);
    }

    @Test
    void padCentresOnACanvas() {
        Tensor x = Tensor.ones(1, 2, 3);
        Tensor p = Preprocess.pad(x, 5, 0f);
        float[][] expect = {{0, 0, 0, 0, 0}, {0, 1, 1, 1, 0}, {0, 1, 1, 1, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};
        for (int y = 0; y < 5; y++) for (int xx = 0; xx < 5; xx++) assertEquals(expect[y][xx], p.get(0, y, xx), y + "," + xx);
        assertThrows(IllegalArgumentException.class, () -> Preprocess.pad(Tensor.ones(1, 6, 2), 5, 0f));
    }

    @Test
    void rejectsBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> Preprocess.centerCrop(Tensor.zeros(4, 4), 2));
        assertThrows(IllegalArgumentException.class, () -> Preprocess.centerCrop(Tensor.zeros(3, 4, 4), 0));
    }
}
