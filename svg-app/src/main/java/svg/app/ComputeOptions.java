package svg.app;

import picocli.CommandLine.Option;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.parallel.Parallel;

/**
 * {@code --threads} and {@code --device}, mixed into every command that computes. {@link #apply()} installs them
 * for the duration of a try-with-resources block and restores the previous settings afterwards (in-process callers
 * such as tests run several commands in one JVM).
 */
public final class ComputeOptions {
    @Option(names = "--threads", paramLabel = "N",
            description = "Kernel threads (default: all cores). Results do not depend on it.")
    Integer threads;

    @Option(names = "--device", paramLabel = "NAME",
            description = "Backend: cpu (Vector API, default), reference (scalar, slow, the specification), tornado[:N] (GPU through TornadoVM).")
    String device;

    /** Restores the previous backend and thread count when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** {@code --device NAME} when given (the thread count never changes results, so it is left out). */
    public java.util.List<String> commandArgs() {
        return device == null ? java.util.List.of() : java.util.List.of("--device", device.trim());
    }

    public Scope apply() {
        int prevThreads = Parallel.threads();
        if (threads != null) {
            if (threads < 1) throw new CliException("--threads must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
        Backend prev = null;
        if (device != null) {
            Backend b;
            try {
                b = Backends.byName(device.trim());
            } catch (IllegalArgumentException | IllegalStateException e) {
                Parallel.setThreads(prevThreads);
                String hint = device.trim().startsWith(BackendStatus.TORNADO)
                        && Backends.providers().stream().noneMatch(p -> p.name().equals(BackendStatus.TORNADO))
                        ? " (" + BackendStatus.tornadoAbsentReason() + ")" : "";
                throw new CliException("--device " + device + ": " + e.getMessage() + hint, e);
            }
            prev = Backends.use(b);
        }
        final Backend restore = prev;
        return () -> {
            if (restore != null) Backends.use(restore);
            if (Parallel.threads() != prevThreads) Parallel.setThreads(prevThreads);
        };
    }
}
