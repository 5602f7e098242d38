package svg.nn.flow;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.*;

class TimeGridTest {

    @Test
    void linspaceMatchesTorchBitForBit() throws Exception {
        int checked = 0;
        try (var r = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                getClass().getResourceAsStream("linspace_torch.txt")), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String[] p = line.trim().split(" ");
                int n = Integer.parseInt(p[0]);
                float[] ours = TimeGrid.linspace01(n);
                assertEquals(n, p.length - 1);
                for (int i = 0; i < n; i++)
                    assertEquals(Integer.parseUnsignedInt(p[i + 1], 16), Float.floatToRawIntBits(ours[i]), "n=" + n + " i=" + i);
                checked++;
            }
        }
        assertTrue(checked > 60);
    }

    @Test
    void shiftedGridMatchesTheFormulaAndEndpoints() {
        TimeGrid g = TimeGrid.of(4, 0.15);
        float[] expect = {0f, (float) (0.15 * 0.25 / (1 - 0.85 * 0.25)), (float) (0.15 * 0.5 / (1 - 0.85 * 0.5)),
                (float) (0.15 * 0.75 / (1 - 0.85 * 0.75)), 1f};
        assertArrayEquals(expect, g.t());
        for (int i = 0; i < 4; i++) assertEquals(g.t()[i + 1] - g.t()[i], g.dt()[i]);
        assertEquals(0.047619f, g.t()[1], 1e-6f);
        assertEquals(0.310345f, g.t()[3], 1e-6f);
    }

    @Test
    void nonPositiveShiftAndShiftOneAreIdentity() {
        for (double s : new double[]{0, -1, 1}) {
            TimeGrid g = TimeGrid.of(7, s);
            assertArrayEquals(TimeGrid.linspace01(8), g.t(), "shift " + s);
        }
        assertEquals(0.3f, TimeGrid.shiftFloat(0.3f, 0), 0f);
    }

    @Test
    void trainingShiftRoundsLikeTorchFloat32() {
        // torch: (0.4 * t) / (1 + (0.4 - 1) * t) on a float32 tensor, the constants rounded to float32
        float t = 0.7f;
        float expect = (0.4f * t) / (1f + (float) (0.4 - 1) * t);
        assertEquals(expect, TimeGrid.shiftFloat(t, 0.4), 0f);
        assertEquals(TimeGrid.shift(t, 0.4), TimeGrid.shiftFloat(t, 0.4), 1e-7);
    }

    @Test
    void rejectsZeroSteps() {
        var e = assertThrows(IllegalArgumentException.class, () -> TimeGrid.of(0, 0.15));
        assertTrue(e.getMessage().contains("step"));
    }
}
