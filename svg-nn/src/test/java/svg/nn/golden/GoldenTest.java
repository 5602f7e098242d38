package svg.nn.golden;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.io.Json;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Parity with the official PyTorch code: one dynamic test per folder with a case.json under the directory given by
 * the system property {@code svg.golden.dir} (default: the copy in test resources, {@code /golden}). Each case is
 * dispatched on its {@code "case"} field through {@link GoldenCases}; configs, inputs, weights and tolerances all
 * come from the folder, so regenerated cases with other seeds or sizes run unchanged. The in-repo cases are pinned
 * ({@link #EXPECTED_CASES}: a deleted case fails), {@code svg_sampler} runs on the reference and the cpu backend, and
 * the in-repo copy is compared with ../shared/golden when that folder exists.
 *
 * <pre>
 *   mvn -q install -pl svg-tensor -DskipTests       # once: -pl svg-nn without -am resolves svg-tensor from ~/.m2
 *   mvn -o test -pl svg-nn -Dsvg.golden.dir=/path/to/golden -Dtest='Golden*' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class GoldenTest {
    /**
     * The cases of the in-repo copy (src/test/resources/golden), pinned: a deleted or renamed case fails here instead
     * of passing silently. A new case is added to this list (and to LOCAL_CASES.md when it is not a shared one).
     */
    static final List<String> EXPECTED_CASES = List.of("dinov2_vit", "dinov2_vit_reg", "dinov3_vit", "dinov3_vit_rect",
            "svg_autoencoder_encode", "svg_decoder", "svg_dit", "svg_residual_vit", "svg_sampler");

    /** The cases that come from the shared golden set (../shared/golden); any svg.golden.dir must hold them. */
    static final List<String> SHARED_CASES = List.of("dinov3_vit", "dinov3_vit_rect", "svg_autoencoder_encode", "svg_decoder",
            "svg_dit", "svg_residual_vit", "svg_sampler");

    /** Case types run on every backend listed here (the samplers are specified on both). */
    static final Map<String, List<String>> BACKENDS_PER_TYPE = Map.of("svg_sampler", List.of("reference", "cpu"));

    static Path goldenDir() throws URISyntaxException {
        String p = System.getProperty("svg.golden.dir");
        if (p != null && !p.isBlank()) return Path.of(p);
        return inRepoDir();
    }

    static Path inRepoDir() throws URISyntaxException {
        URL u = GoldenTest.class.getResource("/golden");
        if (u == null) throw new IllegalStateException("no golden test resources on the class path and svg.golden.dir unset");
        return Path.of(u.toURI());
    }

    /** The shared golden set beside the repository (../shared/golden from its root), or null when absent. */
    static Path sharedDir() {
        String p = System.getProperty("svg.shared.golden.dir");
        if (p != null && !p.isBlank()) return Path.of(p);
        // tests run in the module folder (svg-nn); the repository root is its parent, shared/ is beside the root
        Path root = Path.of("").toAbsolutePath().getParent();
        Path d = root == null || root.getParent() == null ? null : root.getParent().resolve("shared").resolve("golden");
        return d != null && Files.isDirectory(d) ? d : null;
    }

    static List<String> caseNames(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().equals("case.json")).map(p -> root.relativize(p.getParent()).toString())
                    .sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() throws Exception {
        Path root = goldenDir();
        if (!Files.isDirectory(root)) throw new IllegalStateException("svg.golden.dir " + root + " is not a directory");
        List<String> names = caseNames(root);
        assertFalse(names.isEmpty(), "no case.json found under " + root);
        boolean inRepo = root.equals(inRepoDir());
        checkPinned(root, names, inRepo ? EXPECTED_CASES : SHARED_CASES, inRepo);
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : names) {
            Path dir = root.resolve(name);
            List<String> backends = BACKENDS_PER_TYPE.get(caseType(dir));
            if (backends == null) tests.add(DynamicTest.dynamicTest(name, dir.toUri(), () -> runCase(dir)));
            else for (String b : backends)
                tests.add(DynamicTest.dynamicTest(name + " [" + b + "]", dir.toUri(), () -> runOn(b, dir)));
        }
        return tests.stream();
    }

    /** Fails when a pinned case is missing; with {@code exact}, also when a case is not pinned. */
    static void checkPinned(Path root, List<String> found, List<String> pinned, boolean exact) {
        List<String> missing = new ArrayList<>(pinned);
        missing.removeAll(found);
        assertTrue(missing.isEmpty(), "golden cases missing under " + root + ": " + missing + " (found " + found + ")");
        if (exact) {
            List<String> extra = new ArrayList<>(found);
            extra.removeAll(pinned);
            assertTrue(extra.isEmpty(), "golden cases " + extra + " are not in GoldenTest.EXPECTED_CASES: add them there");
        }
    }

    /**
     * The in-repo copy must equal ../shared/golden file for file wherever the shared set has a file (the in-repo
     * copy may add local cases, listed in LOCAL_CASES.md). Skipped with a message when ../shared/golden is absent.
     */
    @Test
    void inRepoCopyMatchesTheSharedGoldenSet() throws Exception {
        Path shared = sharedDir();
        assumeTrue(shared != null, "../shared/golden not found beside the repository: the in-repo golden copy is not compared");
        Path mine = inRepoDir();
        List<String> differ = new ArrayList<>();
        try (Stream<Path> s = Files.walk(shared)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                Path rel = shared.relativize(f), copy = mine.resolve(rel.toString());
                if (!Files.isRegularFile(copy)) differ.add(rel + " (missing in the repository)");
                else if (Files.mismatch(f, copy) != -1) differ.add(rel + " (differs)");
            }
        }
        assertTrue(differ.isEmpty(), "svg-nn/src/test/resources/golden has drifted from " + shared + ": " + differ);
        List<String> sharedCases = caseNames(shared);
        assertTrue(SHARED_CASES.containsAll(sharedCases), "the shared golden set has cases " + sharedCases
                + "; GoldenTest.SHARED_CASES lists " + SHARED_CASES);
    }

    private static String caseType(Path dir) throws IOException {
        Object j = Json.parse(Files.readString(dir.resolve("case.json")));
        return j instanceof Map<?, ?> m && m.get("case") instanceof String t ? t : "";
    }

    private static void runOn(String backend, Path dir) throws Exception {
        Backend prev = Backends.use(Backends.byName(backend));
        try {
            runCase(dir);
        } finally {
            Backends.use(prev);
        }
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
