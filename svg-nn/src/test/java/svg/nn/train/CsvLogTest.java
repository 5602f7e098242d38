package svg.nn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CsvLogTest {
    @Test
    void columnsAppearingLaterWidenTheLogAndResumeDropsLaterRows(@TempDir Path d) throws Exception {
        Path f = d.resolve("log.csv");
        CsvLog log = new CsvLog(f, 0);
        log.append(1, Map.of("loss", 2.0));
        Map<String, Double> two = new LinkedHashMap<>();
        two.put("loss", 1.5);
        two.put("loss_g", 0.25);
        log.append(2, two);
        log.append(3, two);
        Map<String, double[]> r = CsvLog.read(f);
        assertArrayEquals(new double[]{1, 2, 3}, r.get("step"));
        assertArrayEquals(new double[]{2.0, 1.5, 1.5}, r.get("loss"));
        assertTrue(Double.isNaN(r.get("loss_g")[0]));
        assertEquals(0.25, r.get("loss_g")[2]);
        new CsvLog(f, 2);
        assertArrayEquals(new double[]{1, 2}, CsvLog.read(f).get("step"));
    }
}
