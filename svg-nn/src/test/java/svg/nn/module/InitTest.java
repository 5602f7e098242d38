package svg.nn.module;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

class InitTest {
    @Test
    void torchDefaultBoundIsOneOverSqrtFanIn() {
        Tensor w = Tensor.zeros(64, 100), b = Tensor.zeros(64);
        Init.torchDefault(w, b, new Rng(1));
        double max = 0;
        for (float v : w.toArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= 0.1 && max > 0.09, "max " + max);
        for (float v : b.toArray()) assertTrue(Math.abs(v) <= 0.1);
    }

    @Test
    void xavierUsesConvReceptiveField() {
        Tensor w = Tensor.zeros(8, 4, 3, 3);
        assertArrayEquals(new int[]{36, 72}, Init.fans(w));
        Init.xavierUniform(w, new Rng(2));
        double a = Math.sqrt(6.0 / 108);
        for (float v : w.toArray()) assertTrue(Math.abs(v) <= a);
    }

    @Test
    void sameSeedSameWeights() {
        Tensor a = Tensor.zeros(10), b = Tensor.zeros(10);
        Init.truncNormal(a, new Rng(7), 0.02, -2, 2);
        Init.truncNormal(b, new Rng(7), 0.02, -2, 2);
        assertArrayEquals(a.toArray(), b.toArray());
    }
}
