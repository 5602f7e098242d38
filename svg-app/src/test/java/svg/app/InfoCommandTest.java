package svg.app;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class InfoCommandTest {
    @Test
    void infoReportsJdkVectorApiThreadsAndBackends() {
        Cli r = Cli.run("info");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("JDK:") && r.out().contains(String.valueOf(Runtime.version().feature())), r::toString);
        // surefire starts the JVM with the incubator module, so the species must be reported, not "not available"
        assertTrue(r.out().matches("(?s).*Vector API:\\s+vector \\d+-bit \\(\\d+ floats\\), GEMM tile \\d+x\\d+.*"), r::toString);
        assertTrue(r.out().contains("cpu") && r.out().contains("reference"), r::toString);
        assertTrue(r.out().contains("tornado"), "TornadoVM must be listed with its status: " + r);
    }

    @Test
    void describesAModelDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        TinyModel.save(dir);
        String d = InfoCommand.describeModel(dir);
        assertTrue(d.startsWith("32 px images, DiT depth 1 width 32, 3 classes: T-shirt/top, Trouser, Sneaker"), d);
        assertTrue(InfoCommand.describeModel(dir.resolve("nothing")).startsWith("unreadable"));
    }

    @Test
    void versionOptionPrintsProjectVersion() {
        Cli r = Cli.run("--version");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("svg "), r::toString);
    }

    @Test
    void unknownOptionsAndCommandsAreUsageErrors() {
        Cli a = Cli.run("info", "--no-such-option");
        assertEquals(2, a.exit(), a::toString);
        assertTrue(a.err().contains("--no-such-option"), a::toString);
        Cli b = Cli.run("no-such-command");
        assertEquals(2, b.exit(), b::toString);
    }
}
