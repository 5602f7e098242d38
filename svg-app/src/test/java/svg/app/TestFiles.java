package svg.app;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Files the command tests feed to the CLI. */
final class TestFiles {
    private TestFiles() {}

    static Path resource(String name, Path dir) throws IOException {
        try (InputStream in = TestFiles.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name);
            Path p = dir.resolve(name);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }

    /** A safetensors file with the golden DiT's key names and shapes and random values. */
    static Path ditSafetensors(Path dir) throws IOException {
        Rng rng = new Rng(5);
        Map<String, Tensor> t = new LinkedHashMap<>();
        ModelFamilyTest.keys("svg_dit").forEach((k, s) -> t.put(k, Tensor.randn(rng, s)));
        Path p = dir.resolve("dit.safetensors");
        Safetensors.save(p, t, Map.of("model", "DiT"));
        return p;
    }

    /**
     * A torch.save-shaped zip whose pickle calls posix.system("echo pwned"): what a malicious checkpoint looks
     * like. A safe loader must refuse it at the GLOBAL opcode.
     */
    static Path maliciousCheckpoint(Path dir) throws IOException {
        byte[] arg = "echo pwned".getBytes(StandardCharsets.US_ASCII);
        var pkl = new java.io.ByteArrayOutputStream();
        pkl.write(new byte[]{(byte) 0x80, 2});                                   // PROTO 2
        pkl.write('c');
        pkl.write("posix\nsystem\n".getBytes(StandardCharsets.US_ASCII));         // GLOBAL posix.system
        pkl.write('X');                                                          // BINUNICODE
        pkl.write(new byte[]{(byte) arg.length, 0, 0, 0});
        pkl.write(arg);
        pkl.write(0x85);                                                         // TUPLE1
        pkl.write('R');                                                          // REDUCE
        pkl.write('.');                                                          // STOP
        Path p = dir.resolve("evil.pt");
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry("evil/data.pkl"));
            z.write(pkl.toByteArray());
            z.closeEntry();
            z.putNextEntry(new ZipEntry("evil/version"));
            z.write("3\n".getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
        }
        return p;
    }
}
