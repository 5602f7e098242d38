package svg.spark;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;
import svg.app.CliException;

import java.util.Locale;

/**
 * Options every Spark job takes besides the ones of the matching {@code svg} command. Under spark-submit the master
 * comes from spark-submit; {@code ./svg spark} (a plain JVM) runs {@code local[2]} unless {@code --master} says
 * otherwise.
 */
public final class SparkOptions {
    /** The master of a run that was given none (not under spark-submit): two local task slots. */
    static final String DEFAULT_LOCAL = "local[2]";

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[N], spark://HOST:PORT, yarn, k8s://... (default: spark-submit's, else " + DEFAULT_LOCAL + ").")
    String master;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Partitions (default: the cluster's default parallelism, i.e. its task slots).")
    Integer partitions;

    /** The session: the running one (tests, spark-shell) or a new one for this job. */
    SparkSession session(String job) {
        if (master != null && master.isBlank()) throw new CliException("--master must not be empty");
        SparkSession active = SparkSession.getActiveSession().getOrElse(() -> SparkSession.getDefaultSession().getOrElse(() -> null));
        if (active != null) return active;
        SparkSession.Builder b = SparkSession.builder().appName("svg " + job);
        String m = master != null ? master : System.getProperty("spark.master", DEFAULT_LOCAL);
        b.master(m);
        if (m.startsWith("local")) // one machine: the web UI would only take a port, and the loopback interface is enough
            b.config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        // Spark 4.2's launcher already gives executors the Vector API module; a cluster started another way may not
        String opts = System.getProperty("spark.executor.extraJavaOptions", "");
        if (!opts.contains("jdk.incubator.vector"))
            b.config("spark.executor.extraJavaOptions", (opts + " --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED").trim());
        try {
            SparkSession s = b.getOrCreate();
            s.sparkContext().setLogLevel(System.getProperty("svg.spark.logLevel", "WARN")); // Spark's INFO lines would bury ours
            return s;
        } catch (RuntimeException e) {
            throw new CliException("cannot start Spark with master '" + m + "': " + e.getMessage(), e);
        }
    }

    int partitions(SparkSession s, int max) {
        if (partitions != null && partitions < 1) throw new CliException("--partitions must be >= 1, got " + partitions);
        int p = partitions != null ? partitions : s.sparkContext().defaultParallelism();
        return Math.max(1, Math.min(p, max));
    }

    /** The master and the executors that ran (the driver's own entry left out, except in local mode where it runs the tasks). */
    static String describe(SparkSession s) {
        var sc = s.sparkContext();
        if (sc.isLocal()) return "master " + sc.master();
        return String.format(Locale.ROOT, "master %s, %d executors", sc.master(), sc.statusTracker().getExecutorInfos().length - 1);
    }
}
