package svg.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.tensor.Tensor;
import svg.tensor.io.DType;
import svg.tensor.io.SafetensorsFile;
import svg.tensor.io.TensorFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConvertCommandTest {
    @TempDir
    Path dir;

    @Test
    void emaDecoderToBf16WithPrefixStripped() throws IOException {
        Path in = TestFiles.resource("tiny_checkpoint.pt", dir);
        Path out = dir.resolve("out/decoder.safetensors");
        Cli r = Cli.run("convert", in.toString(), out.toString(), "--container", "ema", "--keys", "decoder.", "--strip-prefix", "--dtype", "bf16");
        assertEquals(0, r.exit(), r::toString);
        Map<String, Tensor> ema = TensorFiles.loadStateDict(in, "ema");
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertEquals(List.of("conv_in.weight", "conv_in.bias", "norm_out.weight"), f.tensors().stream().map(t -> t.name()).toList());
            assertEquals(DType.BF16, f.info("conv_in.weight").dtype());
            float[] want = ema.get("decoder.conv_in.weight").toArray(), got = f.load("conv_in.weight").toArray();
            for (int i = 0; i < want.length; i++)
                assertEquals(want[i], got[i], Math.abs(want[i]) * (1f / 128) + 1e-30f, "bf16 keeps 8 significant bits");
            assertEquals(in.getFileName().toString(), f.metadata().get("source"));
        }
    }

    @Test
    void defaultTakesEmaAndKeepsEverythingInF32() throws IOException {
        Path in = TestFiles.resource("tiny_checkpoint.pt", dir);
        Path out = dir.resolve("all.safetensors");
        assertEquals(0, Cli.run("convert", in.toString(), out.toString()).exit());
        Map<String, Tensor> ema = TensorFiles.loadStateDict(in, "ema"), back = TensorFiles.loadStateDict(out, null);
        assertEquals(ema.keySet(), back.keySet());
        for (String k : ema.keySet()) assertArrayEquals(ema.get(k).toArray(), back.get(k).toArray(), 0f, k);
    }

    @Test
    void errors() throws IOException {
        Path in = TestFiles.resource("tiny_checkpoint.pt", dir);
        Cli ext = Cli.run("convert", in.toString(), dir.resolve("x.pt").toString());
        assertEquals(1, ext.exit());
        assertTrue(ext.err().contains(".safetensors"), ext::toString);

        Cli none = Cli.run("convert", in.toString(), dir.resolve("x.safetensors").toString(), "--keys", "nothing.");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("nothing."), none::toString);
        assertFalse(Files.exists(dir.resolve("x.safetensors")));

        Path exists = Files.writeString(dir.resolve("e.safetensors"), "x");
        assertEquals(1, Cli.run("convert", in.toString(), exists.toString()).exit(), "no silent overwrite");
        assertEquals(0, Cli.run("convert", in.toString(), exists.toString(), "--force").exit());

        assertEquals(2, Cli.run("convert", in.toString(), dir.resolve("y.safetensors").toString(), "--dtype", "f8").exit());
        Cli evil = Cli.run("convert", TestFiles.maliciousCheckpoint(dir).toString(), dir.resolve("z.safetensors").toString());
        assertEquals(1, evil.exit());
        assertTrue(evil.err().contains("posix.system"), evil::toString);
    }

    /** Issue 13's two files: refused with the reason, exit 1, and nothing written (not even a temporary file). */
    @Test
    void hostileCheckpointsWriteNothing() throws IOException {
        for (String[] c : new String[][]{{"stride0_expand.pt", "stride-0"}, {"huge_shape.pt", "overflows"}}) {
            Path in = TestFiles.resource(c[0], dir);
            Path outDir = Files.createDirectories(dir.resolve("out-" + c[0]));
            Cli r = Cli.run("convert", in.toString(), outDir.resolve("w.safetensors").toString());
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.err().contains(c[1]) && r.err().contains(in.toString()), r::toString);
            try (var files = Files.list(outDir)) {
                assertEquals(List.of(), files.toList(), "nothing written");
            }
        }
    }

    @Test
    void verifyComparesWhatWasWrittenBitForBit() throws IOException {
        Map<String, Tensor> t = new java.util.LinkedHashMap<>();
        t.put("a", Tensor.of(new float[]{1f, 1.00390625f, -3.5f, 1e-3f}, 2, 2));
        Path f = dir.resolve("v.safetensors");
        svg.tensor.io.Safetensors.save(f, t, Map.of(), DType.BF16);
        ConvertCommand.verify(f, t, DType.BF16, f); // rounded to bf16 on both sides
        IOException e = assertThrows(IOException.class, () -> ConvertCommand.verify(f, t, DType.F32, f));
        assertTrue(e.getMessage().contains("verifying") && e.getMessage().contains("'a'"), e.getMessage());
        Map<String, Tensor> other = Map.of("a", Tensor.of(new float[]{1f, 1f, -3.5f, 2f}, 2, 2));
        e = assertThrows(IOException.class, () -> ConvertCommand.verify(f, other, DType.BF16, f));
        assertTrue(e.getMessage().contains("element 3"), e.getMessage());
        e = assertThrows(IOException.class, () -> ConvertCommand.verify(f, Map.of("b", t.get("a")), DType.BF16, f));
        assertTrue(e.getMessage().contains("expected [b]"), e.getMessage());
    }
}
