package svg.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dependency rules of the modules, checked on the compiled main classes of svg-tensor, svg-nn and svg-app (read
 * with {@code java.lang.classfile}: every class a class file names in its constant pool, descriptors and generic
 * signatures included):
 * <ul>
 *   <li>svg-nn never names a backend: nothing from {@code svg.tensor.simd}, {@code svg.tensor.reference} or
 *       {@code svg.tornado};</li>
 *   <li>svg-tensor never names {@code svg.nn} or {@code svg.app};</li>
 *   <li>svg-app does not depend on svg-tornado (it is found through ServiceLoader);</li>
 *   <li>only {@code svg.tensor.simd} uses the Vector API ({@code jdk.incubator.vector});</li>
 *   <li>no cycles between packages, with stated exceptions, each group counted as one package:
 *       {@code svg.tensor} and {@code svg.tensor.backend} (the Backend interface takes and returns Tensors, and
 *       Tensor dispatches to it: one API, the contract and discovery kept in their own package), and
 *       {@code svg.app} and {@code svg.app.train} (the command tree: the root command lists the train and eval
 *       commands, which use its shared options and errors, {@code ComputeOptions}, {@code CliException}; moving those
 *       to a package of their own would end it); {@code svg.app.serve} joins {@code svg.app} for the same reason (the
 *       root command lists {@code svg serve}, which loads the model and samples through svg.app's shared options and
 *       helpers, so that its images are svg sample's).</li>
 * </ul>
 */
class ArchitectureTest {

    /** Packages counted as another for the cycle rule (see the class comment): package -> the one it joins. */
    private static final Map<String, String> SAME_SLICE = Map.of("svg.tensor.backend", "svg.tensor", "svg.app.train", "svg.app",
            "svg.app.serve", "svg.app");

    private static final Pattern CLASS_NAME = Pattern.compile("(?:^|[L\\[(;<])((?:svg|jdk/incubator)/[A-Za-z0-9_/$]+)");

    /** One module's main classes: class name -> the packages of the classes it names (its own excluded). */
    record Classes(String name, Map<String, Set<String>> classes) {}

    private static Path classRoot(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Classes module(String name, Class<?> anyClass) throws Exception {
        Path root = classRoot(anyClass);
        Map<String, Set<String>> classes = new TreeMap<>();
        if (Files.isDirectory(root)) {
            scan(root, classes);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(root)) {
                scan(jar.getPath("/"), classes);
            }
        }
        assertFalse(classes.isEmpty(), "no classes found for " + name + " at " + root);
        return new Classes(name, classes);
    }

    private static void scan(Path root, Map<String, Set<String>> into) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                if (f.getFileName().toString().equals("module-info.class")) continue;
                ClassModel m = ClassFile.of().parse(Files.readAllBytes(f));
                String self = m.thisClass().asInternalName();
                Set<String> refs = new TreeSet<>();
                for (PoolEntry e : m.constantPool()) {
                    if (!(e instanceof Utf8Entry u)) continue;
                    Matcher x = CLASS_NAME.matcher(u.stringValue());
                    while (x.find()) refs.add(x.group(1));
                }
                Set<String> pkgs = new TreeSet<>();
                for (String r : refs) if (!r.equals(self)) pkgs.add(pkg(r));
                into.put(self.replace('/', '.'), pkgs);
            }
        }
    }

    private static String pkg(String internalName) {
        int i = internalName.lastIndexOf('/');
        return (i < 0 ? "" : internalName.substring(0, i)).replace('/', '.');
    }

    private static List<Classes> modules() throws Exception {
        return List.of(module("svg-tensor", svg.tensor.Tensor.class), module("svg-nn", svg.nn.module.Module.class),
                module("svg-app", SvgCommand.class));
    }

    private static Classes named(List<Classes> all, String name) {
        return all.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    /** "Class -> package" for every class of {@code m} naming a package that starts with one of {@code banned}. */
    private static List<String> violations(Classes m, String... banned) {
        List<String> bad = new ArrayList<>();
        m.classes().forEach((cls, pkgs) -> {
            for (String p : pkgs)
                for (String b : banned)
                    if (p.equals(b) || p.startsWith(b + ".")) bad.add(cls + " -> " + p);
        });
        return bad;
    }

    @Test
    void svgNnNeverNamesABackend() throws Exception {
        List<String> bad = violations(named(modules(), "svg-nn"), "svg.tensor.simd", "svg.tensor.reference", "svg.tornado");
        assertTrue(bad.isEmpty(), "svg-nn names a backend:\n" + String.join("\n", bad));
    }

    @Test
    void svgTensorNeverNamesTheModulesAboveIt() throws Exception {
        List<String> bad = violations(named(modules(), "svg-tensor"), "svg.nn", "svg.app");
        assertTrue(bad.isEmpty(), "svg-tensor names svg-nn or svg-app:\n" + String.join("\n", bad));
    }

    @Test
    void svgAppDoesNotDependOnSvgTornado() throws Exception {
        List<String> bad = violations(named(modules(), "svg-app"), "svg.tornado");
        assertTrue(bad.isEmpty(), "svg-app names svg-tornado:\n" + String.join("\n", bad));
    }

    @Test
    void onlyTheSimdPackageUsesTheVectorApi() throws Exception {
        List<String> bad = new ArrayList<>();
        for (Classes m : modules())
            for (String v : violations(m, "jdk.incubator.vector"))
                if (!v.startsWith("svg.tensor.simd.")) bad.add(v);
        assertTrue(bad.isEmpty(), "Vector API outside svg.tensor.simd:\n" + String.join("\n", bad));
    }

    @Test
    void noCyclesBetweenPackages() throws Exception {
        // package graph (slices merged), with one class edge kept per package edge to show where a cycle comes from
        Map<String, Map<String, String>> edges = new TreeMap<>();
        for (Classes m : modules())
            m.classes().forEach((cls, pkgs) -> {
                String from = slice(pkg(cls.replace('.', '/')));
                for (String p : pkgs) {
                    if (!p.startsWith("svg.")) continue;
                    String to = slice(p);
                    if (!to.equals(from)) edges.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, cls + " -> " + p);
                }
            });
        List<String> cycles = new ArrayList<>();
        for (List<String> scc : stronglyConnected(edges)) {
            StringBuilder sb = new StringBuilder("cycle among " + scc + ":");
            for (String a : scc)
                for (String b : scc) {
                    String why = edges.getOrDefault(a, Map.of()).get(b);
                    if (why != null) sb.append("\n  ").append(a).append(" -> ").append(b).append(" (").append(why).append(')');
                }
            cycles.add(sb.toString());
        }
        assertTrue(cycles.isEmpty(), String.join("\n", cycles));
    }

    private static String slice(String pkg) { return SAME_SLICE.getOrDefault(pkg, pkg); }

    /** Tarjan's strongly connected components with more than one package. */
    private static List<List<String>> stronglyConnected(Map<String, Map<String, String>> edges) {
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> out = new ArrayList<>();
        Set<String> nodes = new TreeSet<>(edges.keySet());
        edges.values().forEach(m -> nodes.addAll(m.keySet()));
        int[] counter = {0};
        for (String n : nodes) if (!index.containsKey(n)) connect(n, edges, index, low, stack, onStack, out, counter);
        return out;
    }

    private static void connect(String v, Map<String, Map<String, String>> edges, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : edges.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                connect(w, edges, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> scc = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                scc.add(w);
            } while (!w.equals(v));
            if (scc.size() > 1) out.add(scc.stream().sorted().toList());
        }
    }

    /** The checks must see real dependencies (else they would pass on nothing). */
    @Test
    void theScanSeesDependencies() throws Exception {
        List<Classes> all = modules();
        assertTrue(named(all, "svg-tensor").classes().get("svg.tensor.Tensor").contains("svg.tensor.backend"));
        assertTrue(named(all, "svg-tensor").classes().get("svg.tensor.simd.SimdBackend").contains("jdk.incubator.vector"));
        assertTrue(named(all, "svg-app").classes().values().stream().anyMatch(p -> p.contains("svg.nn.pipeline")));
        assertTrue(named(all, "svg-nn").classes().size() > 50, "svg-nn classes: " + named(all, "svg-nn").classes().size());
    }
}
