package svg.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static svg.tensor.io.IoTestSupport.resource;

/**
 * Damaged input must end in an IOException (or, for a damaged pickle that happens to stay valid, a result), never
 * in a RuntimeException, StackOverflowError or OutOfMemoryError.
 */
class TorchFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedPicklesFailCleanly() throws IOException {
        byte[] good;
        try (ZipFile z = new ZipFile(resource("torch_mixed.pt").toFile())) {
            good = z.getInputStream(z.getEntry("torch_mixed/data.pkl")).readAllBytes();
        }
        Random rnd = new Random(42);
        for (int trial = 0; trial < 1500; trial++) {
            byte[] b = good.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int f = 0; f < flips; f++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            try {
                new RestrictedUnpickler(b, "fuzz", pid -> pid).load();
            } catch (IOException expected) {
                // fine: refused or reported as damaged
            } catch (RuntimeException | StackOverflowError e) {
                fail("trial " + trial + " threw " + e, e);
            }
        }
    }

    @Test
    void selfReferencingKeysAreRefusedNotOverflowed() {
        // L = []; L.append(L); d = {}; d[(L,)] = 1   -- Python would refuse the unhashable key as well
        byte[] p = {(byte) 0x80, 2, ']', 'q', 0, 'h', 0, 'a', '}', 'h', 0, (byte) 0x85, 'K', 1, 's', '.'};
        IOException e = assertThrows(IOException.class, () -> new RestrictedUnpickler(p, "t", null).load());
        assertTrue(e.getMessage().contains("unhashable"), e.getMessage());
    }

    @Test
    void deeplyNestedListsAreRefusedOnMaterialisation() throws IOException {
        // 5000 nested lists: fine to unpickle (no recursion), refused when converting.
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[]{(byte) 0x80, 2});
        for (int i = 0; i < 5000; i++) p.write(']');
        for (int i = 0; i < 4999; i++) p.write('a');
        p.write('.');
        Path f = dir.resolve("deep.pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("deep/data.pkl"));
            z.write(p.toByteArray());
            z.closeEntry();
        }
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.load(f));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
    }

    @Test
    void truncatedAndCorruptedArchivesFailCleanly() throws IOException {
        byte[] all = Files.readAllBytes(resource("golden/svg_dit/weights_ema.pt"));
        Random rnd = new Random(7);
        Path f = dir.resolve("t.pt");
        for (int trial = 0; trial < 40; trial++) {
            byte[] b;
            if (trial < 20) b = java.util.Arrays.copyOf(all, rnd.nextInt(all.length));
            else {
                b = all.clone();
                for (int k = 0; k < 20; k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            Files.write(f, b);
            try {
                TensorFiles.loadStateDict(f, null);
            } catch (IOException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                fail("trial " + trial + " threw " + e, e);
            }
        }
    }

    @Test
    void mutatedSafetensorsHeadersFailCleanly() throws IOException {
        byte[] all = Files.readAllBytes(resource("torch_mixed_expected.safetensors"));
        Random rnd = new Random(3);
        Path f = dir.resolve("m.safetensors");
        for (int trial = 0; trial < 200; trial++) {
            byte[] b = all.clone();
            for (int k = 0; k < 1 + rnd.nextInt(3); k++) b[rnd.nextInt(all.length)] = (byte) rnd.nextInt(256);
            Files.write(f, b);
            try {
                Safetensors.load(f);
            } catch (IOException expected) {
                assertTrue(expected.getMessage().contains(f.toString()), expected.getMessage());
            } catch (RuntimeException | OutOfMemoryError e) {
                fail("trial " + trial + " threw " + e, e);
            }
        }
    }

    /** Mutations inside data.pkl with a valid zip CRC reach the tensor rebuilding code (sizes, strides, offsets). */
    @Test
    void mutatedDataPklInsideValidZipFailsCleanly() throws IOException {
        java.util.LinkedHashMap<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (ZipFile z = new ZipFile(resource("torch_mixed.pt").toFile())) {
            for (var en = z.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                entries.put(e.getName(), z.getInputStream(e).readAllBytes());
            }
        }
        Random rnd = new Random(11);
        Path f = dir.resolve("m.pt");
        for (int trial = 0; trial < 100; trial++) {
            try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
                for (var e : entries.entrySet()) {
                    byte[] b = e.getValue();
                    if (e.getKey().endsWith("data.pkl")) {
                        b = b.clone();
                        for (int k = 0; k < 1 + rnd.nextInt(3); k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    } else if (e.getKey().contains("/data/") && rnd.nextInt(10) == 0) b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                    z.putNextEntry(new ZipEntry(e.getKey()));
                    z.write(b);
                    z.closeEntry();
                }
            }
            try {
                TorchCheckpoint.load(f);
            } catch (IOException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                fail("trial " + trial + " threw " + e, e);
            }
        }
    }
}
