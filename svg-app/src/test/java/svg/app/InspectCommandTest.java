package svg.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    void safetensorsDitIsRecognisedAndListed() throws IOException {
        Path f = TestFiles.ditSafetensors(dir);
        Cli r = Cli.run("inspect", f.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("Format:   safetensors"), r::toString);
        assertTrue(r.out().contains("Metadata: model = DiT"), r::toString);
        assertTrue(r.out().contains("SVG DiT") && r.out().contains("hidden_size: 96") && r.out().contains("depth: 2"), r::toString);
        assertTrue(r.out().contains("Tensors:  40 (F32=40)"), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pos_embed") && l.endsWith("[1, 256, 96]")), r::toString);
        Cli s = Cli.run("inspect", "--summary", f.toString());
        assertFalse(s.out().contains("[1, 256, 96]"), s::toString);
    }

    @Test
    void torchCheckpointContainers() throws IOException {
        Path f = TestFiles.resource("tiny_checkpoint.pt", dir);
        Cli r = Cli.run("inspect", f.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("PyTorch checkpoint"), r::toString);
        assertTrue(r.out().contains("SVG autoencoder") && r.out().contains("residual_channels: 2"), r::toString);
        assertEquals(0, Cli.run("inspect", "--container", "model", f.toString()).exit());
        Cli bad = Cli.run("inspect", "--container", "nope", f.toString());
        assertEquals(1, bad.exit(), bad::toString);
        assertTrue(bad.err().contains("nope") && bad.err().contains("ema"), bad::toString);
    }

    @Test
    void legacyTorchFileIsReadToo() throws IOException {
        Path legacy = TestFiles.resource("tiny_checkpoint_legacy.pt", dir), zip = TestFiles.resource("tiny_checkpoint.pt", dir);
        Cli r = svg("inspect", legacy.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("legacy torch.save"), r::toString);
        // same content as the zip file: identical listing after the header lines
        String a = r.out().substring(r.out().indexOf("Tensors:")), b = svg("inspect", zip.toString()).out();
        assertEquals(b.substring(b.indexOf("Tensors:")), a);
        Path out = dir.resolve("legacy.safetensors");
        assertEquals(0, svg("convert", legacy.toString(), out.toString(), "--container", "model").exit());
    }

    private static Cli svg(String... args) { return Cli.run(args); }

    @Test
    void maliciousPickleIsRefusedNamingTheGlobal() throws IOException {
        Cli r = Cli.run("inspect", TestFiles.maliciousCheckpoint(dir).toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("posix.system"), r::toString);
        assertFalse(r.err().contains("\tat "), "a refusal is not a crash: no stack trace\n" + r);
    }

    @Test
    void missingEmptyAndCorruptFiles() throws IOException {
        Cli missing = Cli.run("inspect", dir.resolve("nothing.safetensors").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("not found"), missing::toString);

        Path empty = Files.createFile(dir.resolve("empty.safetensors"));
        Cli e = Cli.run("inspect", empty.toString());
        assertEquals(1, e.exit());
        assertTrue(e.err().contains("empty"), e::toString);

        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[]{8, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'a', '"', ':', ' ', ' ', '}'});
        Cli j = Cli.run("inspect", junk.toString());
        assertEquals(1, j.exit(), j::toString);
        assertTrue(j.err().startsWith("error: ") && j.err().contains("junk.safetensors"), j::toString);

        Path truncatedZip = dir.resolve("trunc.pt");
        byte[] all = Files.readAllBytes(TestFiles.resource("tiny_checkpoint.pt", dir));
        Files.write(truncatedZip, java.util.Arrays.copyOf(all, all.length / 2));
        Cli t = Cli.run("inspect", truncatedZip.toString());
        assertEquals(1, t.exit(), t::toString);

        assertEquals(1, Cli.run("inspect", dir.toString()).exit(), "a folder is not a file");
        assertEquals(2, Cli.run("inspect").exit(), "FILE is required");
    }
}
