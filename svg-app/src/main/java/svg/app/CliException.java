package svg.app;

/**
 * A user-facing failure (bad path, unknown class, corrupt file): printed as one "error:" line without a stack
 * trace, exit code 1.
 */
public class CliException extends RuntimeException {
    public CliException(String message) { super(message); }

    public CliException(String message, Throwable cause) { super(message, cause); }
}
