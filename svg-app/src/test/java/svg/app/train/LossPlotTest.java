package svg.app.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.image.ImageIo;
import svg.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LossPlotTest {
    @TempDir
    Path dir;

    /** Count of pixels close to a colour. */
    private static int count(Tensor img, int rgb) {
        float r = ((rgb >> 16) & 0xff) / 255f, g = ((rgb >> 8) & 0xff) / 255f, b = (rgb & 0xff) / 255f;
        int h = img.size(1), w = img.size(2), n = 0;
        float[] d = img.toArray();
        for (int i = 0; i < h * w; i++)
            if (Math.abs(d[i] - r) < 0.02 && Math.abs(d[h * w + i] - g) < 0.02 && Math.abs(d[2 * h * w + i] - b) < 0.02) n++;
        return n;
    }

    @Test
    void drawsEverySeriesAndSaves() throws IOException {
        double[] y1 = new double[200], y2 = new double[200];
        for (int i = 0; i < 200; i++) {
            y1[i] = 2.0 * Math.exp(-i / 40.0) + 0.05;
            y2[i] = 1.5 * Math.exp(-i / 60.0) + 0.1;
        }
        y2[50] = Double.NaN; // a gap, not a crash
        LossPlot p = new LossPlot().title("training").logY(true)
                .add(LossPlot.Series.of("train", y1)).add(LossPlot.Series.of("val", y2));
        Tensor img = p.render();
        assertArrayEquals(new int[]{3, 500, 800}, img.shape());
        assertTrue(count(img, 0x1f77b4) > 200, "first series (blue) drawn");
        assertTrue(count(img, 0xd62728) > 200, "second series (red) drawn");
        Path out = dir.resolve("loss.png");
        p.save(out);
        assertArrayEquals(img.toArray(), ImageIo.read(out).toArray(), 0f);
    }

    @Test
    void emptyAndConstantSeriesStillRender() {
        assertArrayEquals(new int[]{3, 150, 200}, new LossPlot().size(200, 150).render().shape());
        Tensor flat = new LossPlot().add(LossPlot.Series.of("c", new double[]{1, 1, 1})).render();
        assertTrue(count(flat, 0x1f77b4) > 50);
    }

    @Test
    void niceTicks() {
        assertEquals(List.of(0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0), LossPlot.ticks(0, 1, 5));
        assertEquals(List.of(0.0, 200.0, 400.0, 600.0, 800.0, 1000.0), LossPlot.ticks(0, 1000, 6));
    }

    @Test
    void mismatchedSeriesIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new LossPlot.Series("x", new double[2], new double[3]));
    }
}
