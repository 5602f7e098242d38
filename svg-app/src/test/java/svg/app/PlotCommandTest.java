package svg.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.nn.image.ImageIo;
import svg.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class PlotCommandTest {
    @TempDir
    Path dir;

    /** Pixels within 0.02 of a colour (the chart's first two palette colours are blue and red). */
    private static int count(Tensor img, int rgb) {
        float r = ((rgb >> 16) & 0xff) / 255f, g = ((rgb >> 8) & 0xff) / 255f, b = (rgb & 0xff) / 255f;
        int n = img.size(1) * img.size(2), k = 0;
        float[] d = img.toArray();
        for (int i = 0; i < n; i++)
            if (Math.abs(d[i] - r) < 0.02 && Math.abs(d[n + i] - g) < 0.02 && Math.abs(d[2 * n + i] - b) < 0.02) k++;
        return k;
    }

    @Test
    void oneLinePerSeriesValue() throws Exception {
        Path csv = dir.resolve("fd.csv");
        Files.writeString(csv, "latent,step,fd\nsvg,1000,9.5\nsvg,2000,4.1\nsvg,4000,2.0\nvae,1000,20\nvae,2000,12\nvae,4000,nan\n");
        Path png = dir.resolve("out/fd.png");
        Cli r = Cli.run("plot", csv.toString(), "--x", "step", "--y", "fd", "--series", "latent", "--out", png.toString(), "--log-y");
        assertEquals(0, r.exit(), r::toString);
        Tensor img = ImageIo.read(png);
        assertTrue(count(img, 0x1f77b4) > 100, "first series drawn");
        assertTrue(count(img, 0xd62728) > 100, "second series drawn");
        assertTrue(r.out().contains("2 series"), r::toString);
    }

    @Test
    void badInputNamesTheProblem() throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "step,fd\n1,x\n");
        Cli r = Cli.run("plot", csv.toString(), "--x", "step", "--y", "fd", "--out", dir.resolve("a.png").toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("not a number: 'x'"), r::toString);
        Cli missing = Cli.run("plot", csv.toString(), "--x", "step", "--y", "loss", "--out", dir.resolve("b.png").toString());
        assertEquals(1, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("column 'loss' is not in"), missing::toString);
        assertFalse(Files.exists(dir.resolve("a.png")));
    }
}
