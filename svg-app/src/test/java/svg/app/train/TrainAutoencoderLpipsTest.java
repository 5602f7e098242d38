package svg.app.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import svg.app.SvgCommand;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;
import svg.tensor.io.SafetensorsFile;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code svg train autoencoder --lpips FILE --vgg FILE}: LPIPS as the perceptual term, and clear errors. */
class TrainAutoencoderLpipsTest {
    static final int[] CONV = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
    static final int[] OUT = {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
    static final int[] TAPS = {64, 128, 256, 512, 512};

    /** Random VGG16 features.* (He-scaled normal) and LPIPS lin weights (non-negative, as the trained ones are). */
    static void weights(Path vgg, Path lin) throws IOException {
        Rng r = new Rng(11);
        Map<String, Tensor> v = new LinkedHashMap<>();
        int in = 3;
        for (int i = 0; i < 13; i++) {
            v.put("features." + CONV[i] + ".weight", Tensor.randn(r, OUT[i], in, 3, 3).mul((float) Math.sqrt(2.0 / (9 * in))));
            v.put("features." + CONV[i] + ".bias", Tensor.zeros(OUT[i]));
            in = OUT[i];
        }
        Safetensors.save(vgg, v, Map.of());
        Map<String, Tensor> l = new LinkedHashMap<>();
        for (int k = 0; k < 5; k++) l.put("lin" + k + ".model.1.weight", Tensor.rand(r, 0f, 0.1f, 1, TAPS[k], 1, 1));
        Safetensors.save(lin, l, Map.of());
    }

    private static void idx(Path p, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(data);
        Files.write(p, bo.toByteArray());
    }

    /** 8 28x28 images per split: a bright bar whose row depends on the class. */
    private static Path data(Path dir) throws IOException {
        for (String split : new String[]{"train", "t10k"}) {
            int n = 8;
            byte[] px = new byte[n * 784], lb = new byte[n];
            for (int i = 0; i < n; i++) {
                lb[i] = (byte) (i % 4);
                for (int x = 4; x < 24; x++) px[i * 784 + (4 * (i % 4) + 4) * 28 + x] = (byte) 220;
            }
            idx(dir.resolve(split + "-images-idx3-ubyte"), new int[]{n, 28, 28}, px);
            idx(dir.resolve(split + "-labels-idx1-ubyte"), new int[]{n}, lb);
        }
        return dir;
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cl = SvgCommand.newCommandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void trainsWithLpipsAndRejectsBadWeights(@TempDir Path tmp) throws Exception {
        String d = data(Files.createDirectories(tmp.resolve("data"))).toString();
        String ssl = tmp.resolve("ssl").toString(), ae = tmp.resolve("ae").toString();
        String common = "--batch 2 --steps 2 --log-every 1 --no-progress --threads 1 --data " + d;
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, ("train ssl --out " + ssl + " " + common + " --patch 8 --dim 16 --depth 1 --heads 1 --local-crops 1 --prototypes 16").split(" ")), err.toString());
        Path vgg = tmp.resolve("vgg16.safetensors"), lin = tmp.resolve("lin.safetensors");
        weights(vgg, lin);
        String aeArgs = "train autoencoder --ssl " + ssl + " " + common + " --residual-dim 16 --residual-depth 1 --residual-heads 1 --disc-weight 0";
        assertEquals(0, run(err, (aeArgs + " --out " + ae + " --lpips " + lin + " --vgg " + vgg).split(" ")), err.toString());
        try (SafetensorsFile f = SafetensorsFile.open(Path.of(ae, "checkpoint.safetensors"))) {
            assertEquals("lpips-vgg", f.metadata().get("perceptual"), f.metadata().toString());
        }
        String log = Files.readString(Path.of(ae, "log.csv"));
        assertTrue(log.contains("loss_perceptual"), log);

        err.getBuffer().setLength(0);
        assertNotEquals(0, run(err, (aeArgs + " --out " + tmp.resolve("x1") + " --vgg " + vgg).split(" ")));
        assertTrue(err.toString().contains("--vgg is only used with --lpips"), err.toString());
        err.getBuffer().setLength(0);
        // the files swapped: the lin file has no features.*, the VGG file no lin weights
        assertNotEquals(0, run(err, (aeArgs + " --out " + tmp.resolve("x2") + " --lpips " + vgg + " --vgg " + lin).split(" ")));
        assertTrue(err.toString().contains("features.0.weight"), err.toString());
        err.getBuffer().setLength(0);
        assertNotEquals(0, run(err, (aeArgs + " --out " + tmp.resolve("x3") + " --lpips " + tmp.resolve("none.pth") + " --vgg " + vgg).split(" ")));
        assertTrue(err.toString().contains("none.pth"), err.toString());
    }
}
