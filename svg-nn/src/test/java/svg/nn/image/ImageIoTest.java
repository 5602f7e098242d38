package svg.nn.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ImageIoTest {
    @TempDir
    Path dir;

    @Test
    void pngLoadsAsChwInUnitRange() throws IOException {
        Tensor t = ImageIo.read(Fixtures.copy("src_rgb_37x53.png", dir));
        assertArrayEquals(new int[]{3, 53, 37}, t.shape());
        BufferedImage ref = ImageIO.read(dir.resolve("src_rgb_37x53.png").toFile());
        int p = ref.getRGB(5, 11);
        assertEquals(((p >> 16) & 0xff) / 255f, t.get(0, 11, 5), 0f);
        assertEquals(((p >> 8) & 0xff) / 255f, t.get(1, 11, 5), 0f);
        assertEquals((p & 0xff) / 255f, t.get(2, 11, 5), 0f);
    }

    @Test
    void grayscaleIsReplicatedWithoutGammaShift() throws IOException {
        Tensor rgb = ImageIo.read(Fixtures.copy("src_rgb_37x53.png", dir));
        Tensor gray = ImageIo.read(Fixtures.copy("src_gray_37x53.png", dir));
        assertArrayEquals(new int[]{3, 53, 37}, gray.shape());
        // the gray file stores the green channel of the RGB file: every channel must equal it exactly
        float[] green = rgb.select(0, 1).toArray();
        for (int c = 0; c < 3; c++) assertArrayEquals(green, gray.select(0, c).toArray(), 0f, "channel " + c);
    }

    @Test
    void jpegDecodesCloseToPillow() throws IOException {
        Tensor ours = ImageIo.read(Fixtures.copy("src_rgb_37x53.jpg", dir));
        Tensor pil = ImageIo.read(Fixtures.copy("pil_decoded_jpg.png", dir));
        assertArrayEquals(pil.shape(), ours.shape());
        // JPEG decoders differ in IDCT and chroma upsampling; on average they agree within about one level
        double mean = Fixtures.meanAbsDiff(ours.toArray(), pil.toArray());
        assertTrue(mean < 2.0 / 255, "mean |ImageIO - Pillow| = " + mean * 255 + " levels");
    }

    @Test
    void pngRoundTripIsExactAndBytesAreDeterministic() throws IOException {
        Tensor img = ImageIo.read(Fixtures.copy("src_rgb_37x53.png", dir));
        Path out = dir.resolve("sub/round.png");
        ImageIo.writePng(img, out);
        Tensor back = ImageIo.read(out);
        assertArrayEquals(img.toArray(), back.toArray(), 0f);
        assertArrayEquals(Files.readAllBytes(out), ImageIo.pngBytes(back), "same pixels must give the same bytes");
    }

    @Test
    void quantisationMatchesTorchvisionSaveImage() {
        assertEquals(0, ImageIo.quantise(-0.3f));
        assertEquals(255, ImageIo.quantise(1.7f));
        assertEquals(0, ImageIo.quantise(Float.NaN));
        assertEquals(128, ImageIo.quantise(0.5f));       // 127.5 + 0.5 = 128
        assertEquals(1, ImageIo.quantise(1f / 255));
        assertEquals(0, ImageIo.quantise(0.49f / 255));
    }

    @Test
    void batchIsSavedAsAGrid() throws IOException {
        Tensor batch = Tensor.rand(new Rng(3), 0, 1, 5, 3, 8, 6);
        Path out = dir.resolve("grid.png");
        ImageIo.writePng(batch, out);
        Tensor back = ImageIo.read(out);
        // 5 images -> 3 columns, 2 rows, padding 2
        assertArrayEquals(new int[]{3, 2 * 10 + 2, 3 * 8 + 2}, back.shape());
    }

    @Test
    void badInputsAreClearErrors() throws IOException {
        assertThrows(NoSuchFileException.class, () -> ImageIo.read(dir.resolve("missing.png")));
        Path junk = dir.resolve("junk.png");
        Files.writeString(junk, "this is not an image");
        IOException e = assertThrows(IOException.class, () -> ImageIo.read(junk));
        assertTrue(e.getMessage().contains("junk.png"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageIo.pngBytes(Tensor.zeros(4, 5, 5)));
    }
}
