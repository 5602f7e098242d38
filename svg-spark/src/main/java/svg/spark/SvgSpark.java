package svg.spark;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import svg.app.CliException;

import java.io.PrintWriter;
import java.util.List;

/**
 * The entry point of svg-spark: {@code spark-submit --class svg.spark.SvgSpark svg-spark-VERSION.jar
 * sample|encode|train-dit ...}, or {@code ./svg spark ...} (local mode). Each job takes the options of the matching
 * {@code svg} command plus {@code --master} and its own (docs/spark.md).
 */
@Command(name = "svg spark", mixinStandardHelpOptions = true,
        description = "svg on Apache Spark: distributed sampling, encoding and data-parallel DiT training.",
        subcommands = {SparkSample.class, SparkEncode.class, SparkTrainDit.class, CommandLine.HelpCommand.class})
public final class SvgSpark implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int code = run(args);
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        System.exit(code);
    }

    /** Runs one job in this JVM (on the running SparkSession, if any, which it leaves running); the exit code. */
    public static int run(String... args) {
        return newCommandLine(args).execute(args);
    }

    static CommandLine newCommandLine(String[] args) {
        CommandLine cl = new CommandLine(new SvgSpark());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(SvgSpark::handleFailure);
        // sample's executors re-read the arguments for the sampler options
        cl.setExecutionStrategy(parsed -> {
            for (CommandLine c : parsed.asCommandLineList())
                if (c.getCommand() instanceof SparkSample s) {
                    List<String> all = parsed.originalArgs();
                    s.args = all.subList(all.indexOf(c.getCommandName()) + 1, all.size()).toArray(String[]::new);
                }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl;
    }

    /**
     * A failed task reaches the driver as a SparkException whose message carries the task's exception with its stack
     * trace as text: keep the lines that say what happened.
     */
    static String firstLines(String msg) {
        StringBuilder b = new StringBuilder();
        for (String line : msg.split("\n")) {
            String l = line.strip();
            if (l.startsWith("at ") || l.startsWith("...") || l.startsWith("Driver stacktrace") || l.isEmpty()) continue;
            if (l.startsWith("Caused by: ")) l = "caused by: " + l.substring("Caused by: ".length());
            if (b.indexOf(l) >= 0) continue;
            if (!b.isEmpty()) b.append("\n  ");
            b.append(l);
        }
        return b.toString();
    }

    /** As svg's: expected failures are one line (a stack trace with SVG_DEBUG set); bugs keep their trace. */
    private static int handleFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Throwable t = e;
        // a task's failure reaches the driver wrapped; its message names the cause
        boolean expected = e instanceof CliException || e instanceof IllegalArgumentException || e instanceof java.io.IOException
                || e instanceof java.io.UncheckedIOException || e instanceof IllegalStateException || e instanceof org.apache.spark.SparkException;
        String msg = firstLines(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        err.println("error: " + msg);
        if (!expected || System.getenv("SVG_DEBUG") != null) e.printStackTrace(err);
        else if (e.getCause() != null && e.getCause().getMessage() != null && !msg.contains(e.getCause().getMessage()))
            err.println("  caused by: " + e.getCause().getMessage());
        err.flush();
        return 1;
    }
}
