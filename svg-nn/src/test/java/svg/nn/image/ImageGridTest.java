package svg.nn.image;

import org.junit.jupiter.api.Test;
import svg.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

class ImageGridTest {
    @Test
    void layoutMatchesMakeGrid() {
        // 3 images of 1 channel 2x2 with values 1, 2, 3; 2 columns, padding 1, pad value -1
        float[] d = new float[12];
        for (int i = 0; i < 12; i++) d[i] = 1 + i / 4;
        Tensor g = ImageGrid.grid(Tensor.of(d, 3, 1, 2, 2), 2, 1, -1f);
        assertArrayEquals(new int[]{1, 2 * 3 + 1, 2 * 3 + 1}, g.shape());
        float[][] expect = {
                {-1, -1, -1, -1, -1, -1, -1},
                {-1, 1, 1, -1, 2, 2, -1},
                {-1, 1, 1, -1, 2, 2, -1},
                {-1, -1, -1, -1, -1, -1, -1},
                {-1, 3, 3, -1, -1, -1, -1},
                {-1, 3, 3, -1, -1, -1, -1},
                {-1, -1, -1, -1, -1, -1, -1}};
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 7; x++) assertEquals(expect[y][x], g.get(0, y, x), "at " + y + "," + x);
    }

    @Test
    void stripIsOneRow() {
        Tensor s = ImageGrid.strip(Tensor.ones(4, 3, 5, 6), 2, 0f);
        assertArrayEquals(new int[]{3, 5 + 4, 4 * 8 + 2}, s.shape());
    }

    @Test
    void upscaleRepeatsPixels() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4}, 1, 1, 2, 2);
        Tensor y = ImageGrid.upscale(x, 2);
        assertArrayEquals(new int[]{1, 1, 4, 4}, y.shape());
        assertArrayEquals(new float[]{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, y.toArray());
        assertSame(x, ImageGrid.upscale(x, 1));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.upscale(x, 0));
    }

    @Test
    void squareColumns() {
        assertEquals(1, ImageGrid.squareColumns(1));
        assertEquals(3, ImageGrid.squareColumns(8));
        assertEquals(3, ImageGrid.squareColumns(9));
        assertEquals(4, ImageGrid.squareColumns(10));
    }
}
