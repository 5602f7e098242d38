package svg.app.serve;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.app.ModelOptions;
import svg.nn.pipeline.SvgModel;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * {@code svg serve}: loads the model once and serves an HTTP API and a web page for generating images
 * ({@link SvgServer}; docs/serve.md). Runs until interrupted (Ctrl-C).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over HTTP: a web page (GET /), GET /api/model, POST /api/generate, GET /health.")
public final class ServeCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "TCP port (0: any free port). Default ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default ${DEFAULT-VALUE} (this machine only; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "" + Limits.DEFAULT_MAX_QUEUE,
            description = "Requests that may wait behind the running one; more get 429 with Retry-After. Default ${DEFAULT-VALUE}.")
    int maxQueue;

    @Option(names = "--max-n", paramLabel = "N", defaultValue = "" + Limits.DEFAULT_MAX_N,
            description = "Most images per request. Default ${DEFAULT-VALUE}.")
    int maxN;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "" + Limits.DEFAULT_MAX_STEPS,
            description = "Most sampler steps per request. Default ${DEFAULT-VALUE}.")
    int maxSteps;

    /** Counted down once the server is up (tests wait for it); the server stops when the thread is interrupted. */
    final CountDownLatch started = new CountDownLatch(1);
    volatile SvgServer server;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        if (port < 0 || port > 65535) throw new CliException("--port must be in 0..65535, got " + port);
        Limits limits;
        try {
            limits = new Limits(maxN, maxSteps, Limits.DEFAULT_MAX_BODY, maxQueue);
        } catch (IllegalArgumentException e) {
            throw new CliException("--" + e.getMessage().replaceFirst("^max (\\w+)", "max-$1"));
        }
        try (var scope = compute.apply()) {
            long t0 = System.nanoTime();
            SvgModel m = modelOptions.load();
            Path dir = modelOptions.directory();
            String name = dir == null || dir.getFileName() == null ? "model" : dir.getFileName().toString();
            List<String> prefix = new ArrayList<>(modelOptions.commandArgs());
            prefix.addAll(compute.commandArgs());
            log.printf(Locale.ROOT, "svg serve: model %s (%d classes, %d px, %s) loaded in %.1f s%n", dir, m.numClasses(),
                    m.outputSize(), ModelOptions.weightsSummary(m), (System.nanoTime() - t0) / 1e9);
            // the first generation in a JVM loads and compiles the kernels (seconds); do it before the first client
            long t1 = System.nanoTime();
            try {
                m.generate(new int[]{0}, m.sampling().withSteps(2), 0, 1, null);
                log.printf(Locale.ROOT, "warmed up (1 image, 2 steps) in %.1f s%n", (System.nanoTime() - t1) / 1e9);
            } catch (RuntimeException e) {
                log.println("warning: the warm-up generation failed: " + e.getMessage());
            }
            log.flush();
            server = SvgServer.start(m, new SvgServer.Config(host, port, limits, name, prefix), log);
            log.printf(Locale.ROOT, "listening on %s  (max %d waiting, n <= %d, steps <= %d); Ctrl-C stops%n",
                    server.url(), limits.maxQueue(), limits.maxN(), limits.maxSteps());
            log.flush();
            SvgServer s = server;
            Thread hook = new Thread(s::close, "svg-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                // stopped by the caller (tests); at Ctrl-C the shutdown hook closes the server
            } finally {
                s.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // the JVM is already shutting down
                }
            }
        }
        return 0;
    }
}
