package svg.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code svg} command: one class per subcommand. {@link #newCommandLine()} is what both {@link #main} and the
 * tests run, so the exit codes and error messages tested are the ones users get.
 *
 * <p>Exit codes: 0 success, 1 a failure while running (bad file, unknown class, corrupt checkpoint; one
 * {@code error:} line on stderr), 2 bad usage (unknown option, missing argument; picocli's message and usage).
 */
@Command(name = "svg", mixinStandardHelpOptions = true, versionProvider = SvgCommand.VersionProvider.class,
        description = "SVG (latent diffusion without a VAE) on the JVM: sample, encode, decode, inspect and convert models.",
        subcommands = {
                InfoCommand.class,
                DevicesCommand.class,
                InspectCommand.class,
                ConvertCommand.class,
                SampleCommand.class,
                ReconstructCommand.class,
                EncodeCommand.class,
                DecodeCommand.class,
                InterpolateCommand.class,
                TrainCommand.class,
                svg.app.train.EvalCommand.class,
                PlotCommand.class,
                svg.app.serve.ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class SvgCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // `svg` alone: show what there is to do
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int code;
        try {
            code = newCommandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("error: out of memory (max heap " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB); use fewer images per batch (--batch) or give Java more memory (SVG_XMX=24g ./svg ...)");
            code = 1;
        }
        System.exit(code);
    }

    /** The configured command line (error handling, case-insensitive enums); tests call execute on it. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new SvgCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(SvgCommand::handleFailure);
        return cl;
    }

    /**
     * Runtime failures become one readable line; a stack trace only for bugs (unexpected exception types) or when
     * SVG_DEBUG is set.
     */
    private static int handleFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean expected = e instanceof CliException || e instanceof IllegalArgumentException
                || e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException
                || e instanceof IllegalStateException;
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        err.println("error: " + msg);
        if (!expected || System.getenv("SVG_DEBUG") != null) e.printStackTrace(err);
        else if (e.getCause() != null && e.getCause().getMessage() != null && !msg.contains(e.getCause().getMessage()))
            err.println("  caused by: " + e.getCause().getMessage());
        err.flush();
        return 1;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"svg " + Version.get() + " (Java " + Runtime.version() + ")"};
        }
    }
}
