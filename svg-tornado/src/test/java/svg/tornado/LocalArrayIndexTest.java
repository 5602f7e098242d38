package svg.tornado;

import org.junit.jupiter.api.Test;
import svg.tensor.backend.Backend;
import svg.tensor.conformance.BackendConformanceTest;
import svg.tensor.conformance.OpCatalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads the OpenCL that TornadoVM generates for every kernel with a local-memory array and checks each access to such
 * an array: the index must be an {@code int} variable or a literal inside the array.
 *
 * <p>Why: TornadoVM 5.2 compiled a local array passed to a helper method ({@code reduceGroup}, since removed) with
 * byte offsets plus the 16-byte Java array header ({@code red[4 * l + 16]} for {@code red[l]}), past the end of
 * the array. PoCL ran it and every result was right, so no numerical test could see it; NVIDIA's OpenCL faulted
 * on the first LayerNorm of a DiT (docs/tornado.md, "Running on an NVIDIA GPU"). Such an index is computed in a
 * {@code long} ({@code l_17 = (l << 2) + 16}), which is what this test looks for.
 *
 * <p>TornadoVM writes kernel sources only when {@code tornado.printKernel} is set before it starts, so the kernels
 * are generated in a child JVM (same JDK, the SDK's argfile, this class path) that runs the whole op catalogue on
 * the default and the 16x16-tile GEMM variants.
 */
class LocalArrayIndexTest {

    /** Kernels that allocate local memory; each must be among the generated ones, or the test proves nothing. */
    private static final Set<String> LOCAL_KERNELS = Set.of("gemm", "gemm4x4", "gemm4x4Bf16", "softmax", "rowNorm",
            "groupNorm", "attentionLocal");

    private static final Pattern KERNEL = Pattern.compile("__kernel void (\\w+)\\(");
    private static final Pattern LOCAL_DECL = Pattern.compile("__local \\w+ (\\w+)\\[(\\d+)\\];");
    private static final Pattern INT_DECL = Pattern.compile("^\\s*int ([^;]+);", Pattern.MULTILINE);

    @Test
    void localArraysAreIndexedByElement() throws Exception {
        Path dump = Files.createTempFile("svg-tornado-kernels", ".cl");
        Files.delete(dump); // TornadoVM appends
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElseThrow());
            cmd.add("@" + System.getenv("TORNADOVM_HOME") + "/tornado-argfile");
            cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xmx2g", "-Dtornado.recover.bailout=False",
                    "-Dtornado.printKernel=True", "-Dtornado.print.kernel.dir=" + dump,
                    "-cp", System.getProperty("java.class.path"), Child.class.getName()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM did not finish");
            assertEquals(0, p.exitValue(), "child JVM failed:\n" + out);
            String src = Files.readString(dump);
            Set<String> seen = new HashSet<>();
            List<String> bad = new ArrayList<>();
            for (String kernel : src.split("(?=__kernel void )")) {
                Matcher k = KERNEL.matcher(kernel);
                if (!k.find()) continue;
                String name = k.group(1);
                Set<String> ints = new HashSet<>();
                Matcher d = INT_DECL.matcher(kernel);
                while (d.find()) for (String v : d.group(1).split(",")) ints.add(v.trim());
                Matcher l = LOCAL_DECL.matcher(kernel);
                while (l.find()) {
                    seen.add(name);
                    String array = l.group(1);
                    long size = Long.parseLong(l.group(2));
                    Matcher a = Pattern.compile(Pattern.quote(array) + "\\[([^\\]]+)\\]").matcher(kernel);
                    while (a.find()) {
                        String index = a.group(1).trim();
                        if (a.start() == l.start() + l.group(0).indexOf(array)) continue; // the declaration
                        boolean ok = index.matches("\\d+") ? Long.parseLong(index) < size : ints.contains(index);
                        if (!ok) bad.add(name + ": " + array + "[" + index + "] (" + array + " has " + size + ")");
                    }
                }
            }
            assertTrue(seen.containsAll(LOCAL_KERNELS), "kernels with local arrays generated: " + seen + ", expected " + LOCAL_KERNELS);
            assertTrue(bad.isEmpty(), "local arrays indexed by something other than an int element index:\n"
                    + String.join("\n", new HashSet<>(bad)));
        } finally {
            Files.deleteIfExists(dump);
        }
    }

    /** Runs every op of the catalogue on the tornado backend, then on its tile16 GEMM variant. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            // through the scheduler, as Tensor ops run: the ops the backend does not support go to the fallback
            Backend b = BackendConformanceTest.scheduled(TornadoProbe.create(null));
            for (var c : OpCatalog.all()) c.check(b);
            System.setProperty("svg.tornado.gemm", "tile16");
            Backend tile16 = TornadoProbe.create(null);
            for (var c : OpCatalog.all()) if (c.op().equals("matmul") || c.op().equals("linear")) c.check(tile16);
            System.out.println("ok");
            System.exit(0);
        }
    }
}
