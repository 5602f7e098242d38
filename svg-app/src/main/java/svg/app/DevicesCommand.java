package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;

import java.io.PrintWriter;

/**
 * {@code svg devices}: every backend the JVM can see and, for each usable one, a probe: a small matmul compared
 * with the reference backend and timed. A backend that is listed but computes wrong numbers shows up here.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List backends (built in and discovered through ServiceLoader), probe each usable one with a small matmul checked against the reference backend.")
final class DevicesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--no-probe", description = "Only list; do not run the probe computation.")
    boolean noProbe;

    @Option(names = "--size", paramLabel = "N", defaultValue = "128", description = "Probe matmul size N x N (default ${DEFAULT-VALUE}).")
    int size;

    @Override
    public void run() {
        if (size < 1 || size > 4096) throw new CliException("--size must be in [1, 4096], got " + size);
        PrintWriter out = spec.commandLine().getOut();
        boolean allOk = true;
        for (BackendStatus b : BackendStatus.all()) {
            out.printf("%-10s rank %3d  %s%n", b.name(), b.rank(), b.usable() ? b.kind() : "NOT usable: " + b.problem());
            if (b.usable()) for (String d : devicesOf(b.name())) out.println("           device " + d);
            for (String n : notesOf(b.name())) out.println("           note: " + n);
            if (!b.usable() || noProbe) continue;
            String probe = probe(b.name());
            allOk &= !probe.startsWith("FAILED");
            out.println("           probe: " + probe);
        }
        out.flush();
        if (!allOk) throw new CliException("a usable backend failed its probe (see above)");
    }

    /** The devices a discovered backend reports (TornadoVM: "B.N: name", selected with --device tornado:B.N). */
    private static java.util.List<String> devicesOf(String name) {
        for (svg.tensor.backend.BackendProvider p : Backends.providers()) {
            if (!p.name().equals(name)) continue;
            try {
                return p.devices();
            } catch (RuntimeException | LinkageError e) {
                return java.util.List.of("(could not list devices: " + e + ")");
            }
        }
        return java.util.List.of();
    }

    /** What a discovered backend wants the user to know (TornadoVM: a GPU driver it cannot see). */
    private static java.util.List<String> notesOf(String name) {
        for (svg.tensor.backend.BackendProvider p : Backends.providers()) {
            if (!p.name().equals(name)) continue;
            try {
                return p.notes();
            } catch (RuntimeException | LinkageError e) {
                return java.util.List.of();
            }
        }
        return java.util.List.of();
    }

    /** Runs x @ y on the named backend and on the reference backend; reports agreement and time. */
    private String probe(String name) {
        Backend backend;
        try {
            backend = Backends.byName(name);
        } catch (RuntimeException e) {
            return "FAILED to create: " + e.getMessage();
        }
        Rng rng = new Rng(1234);
        Tensor x = Tensor.randn(rng, size, size), y = Tensor.randn(rng, size, size);
        Backend prev = Backends.use(Backends.byName("reference"));
        try {
            float[] ref = x.matmul(y).toArray();
            Backends.use(backend);
            // two warm-up runs (JIT, device compilation), then the best of three
            x.matmul(y);
            x.matmul(y);
            float[] got = null;
            double ms = Double.MAX_VALUE;
            for (int r = 0; r < 3; r++) {
                long t0 = System.nanoTime();
                got = x.matmul(y).toArray();
                ms = Math.min(ms, (System.nanoTime() - t0) / 1e6);
            }
            double maxErr = 0, maxRef = 0;
            for (int i = 0; i < ref.length; i++) {
                maxErr = Math.max(maxErr, Math.abs(got[i] - ref[i]));
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
            }
            double rel = maxErr / Math.max(1e-30, maxRef);
            double gflops = 2.0 * size * size * size / (ms * 1e6);
            String verdict = Double.isFinite(rel) && rel < 1e-4 ? "ok" : "FAILED (wrong numbers)";
            String s = String.format("%s: matmul %dx%d in %.2f ms (%.2f GFLOP/s), max rel. error vs reference %.1e",
                    verdict, size, size, ms, gflops, rel);
            return verdict.equals("ok") ? s : "FAILED " + s;
        } catch (RuntimeException e) {
            return "FAILED: " + e;
        } finally {
            Backends.use(prev);
        }
    }
}
