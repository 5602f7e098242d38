package svg.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.tensor.backend.Backends;
import svg.tensor.parallel.Parallel;

import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code svg info}: versions, vector width, threads, backends and the default model, to check an installation. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show version, JDK, Vector API species, threads, backends (and whether TornadoVM is usable) and the default model.")
final class InfoCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Runtime rt = Runtime.getRuntime();
        out.println("svg " + Version.get());
        out.println("JDK:         " + System.getProperty("java.vm.name") + " " + Runtime.version()
                + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")");
        out.println("OS:          " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        out.println("Vector API:  " + VectorInfo.describe());
        out.println("Threads:     " + Parallel.threads() + " kernel threads, " + rt.availableProcessors() + " cores");
        out.println("Max heap:    " + (rt.maxMemory() >> 20) + " MiB");
        String current;
        try {
            current = Backends.current().name();
        } catch (RuntimeException e) {
            current = "unavailable: " + e.getMessage();
        }
        out.println("Backend:     " + current + " (choose with --device)");
        out.println("Backends:");
        for (BackendStatus b : BackendStatus.all())
            out.printf("  %-10s %-9s %s%n", b.name(), b.usable() ? "usable" : "unusable", b.usable() ? b.kind() : b.problem());
        Path model = ModelLocator.defaultModelDir();
        out.println("Default model: " + (model != null ? model : "not found (expected at " + ModelLocator.expectedLocation() + ")"));
        if (model != null) out.println("  " + describeModel(model));
        out.flush();
    }

    /** One line about a model directory, from its model.json only (no weights are read). */
    static String describeModel(Path dir) {
        try {
            svg.nn.pipeline.ModelManifest m = svg.nn.pipeline.ModelManifest.read(dir.resolve(svg.nn.pipeline.ModelManifest.FILE));
            Object depth = m.dit().get("depth"), hidden = m.dit().get("hidden_size"), classes = m.dit().get("num_classes");
            String names = m.classes().isEmpty() ? "" : ": " + String.join(", ", m.classes().subList(0, Math.min(10, m.classes().size())))
                    + (m.classes().size() > 10 ? ", ..." : "");
            return m.imageSize() + " px images, DiT depth " + depth + " width " + hidden + ", " + classes + " classes" + names
                    + "; sampling " + SamplingOptions.describe(m.sampling());
        } catch (java.io.IOException | RuntimeException e) {
            return "unreadable model.json: " + e.getMessage();
        }
    }
}
