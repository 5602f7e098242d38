package svg.nn.golden;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Parity with the official PyTorch code: one dynamic test per folder with a case.json under the directory given by
 * the system property {@code svg.golden.dir} (default: the copy in test resources, {@code /golden}). Each case is
 * dispatched on its {@code "case"} field through {@link GoldenCases}; configs, inputs, weights and tolerances all
 * come from the folder, so regenerated cases with other seeds or sizes run unchanged.
 *
 * <pre>
 *   mvn -q install -pl svg-tensor -DskipTests       # once: -pl svg-nn without -am resolves svg-tensor from ~/.m2
 *   mvn -o test -pl svg-nn -Dsvg.golden.dir=/path/to/golden -Dtest='Golden*' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class GoldenTest {
    static Path goldenDir() throws URISyntaxException {
        String p = System.getProperty("svg.golden.dir");
        if (p != null && !p.isBlank()) return Path.of(p);
        URL u = GoldenTest.class.getResource("/golden");
        if (u == null) throw new IllegalStateException("no golden test resources on the class path and svg.golden.dir unset");
        return Path.of(u.toURI());
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() throws Exception {
        Path root = goldenDir();
        if (!Files.isDirectory(root)) throw new IllegalStateException("svg.golden.dir " + root + " is not a directory");
        List<Path> cases;
        try (Stream<Path> s = Files.walk(root)) {
            cases = s.filter(p -> p.getFileName().toString().equals("case.json")).map(Path::getParent).sorted().toList();
        }
        assertFalse(cases.isEmpty(), "no case.json found under " + root);
        return cases.stream().map(dir -> DynamicTest.dynamicTest(root.relativize(dir).toString(), dir.toUri(), () -> runCase(dir)));
    }

    private static void runCase(Path dir) throws Exception {
        GoldenContext ctx;
        try {
            ctx = new GoldenContext(dir);
        } catch (IOException e) {
            throw new AssertionError("cannot read golden case " + dir + ": " + e.getMessage(), e);
        }
        GoldenCases.forType(ctx.caseType()).run(ctx);
        ctx.finish();
    }
}
