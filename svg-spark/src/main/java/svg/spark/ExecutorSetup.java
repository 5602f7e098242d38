package svg.spark;

import org.apache.spark.SparkEnv;
import svg.tensor.parallel.Parallel;

/** What every task checks and sets up in its executor JVM before computing. */
final class ExecutorSetup {
    private ExecutorSetup() {}

    private static volatile boolean ready;

    /**
     * Fails with the fix when the executor JVM lacks the Vector API (the CPU backend, and with it same-bytes results,
     * needs it), and on a cluster executor sizes the kernel thread pool to the executor's cores so that executors
     * sharing a machine do not oversubscribe it (results do not depend on the thread count).
     */
    static void prepare() {
        if (ready) return;
        synchronized (ExecutorSetup.class) {
            if (ready) return;
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty())
                throw new IllegalStateException("this executor's JVM was started without --add-modules=jdk.incubator.vector (the Vector API);"
                        + " add it to spark.executor.extraJavaOptions (docs/spark.md)");
            SparkEnv env = SparkEnv.get();
            if (env != null && !"driver".equals(env.executorId())) {
                int cores = env.conf().getInt("spark.executor.cores", 0);
                if (cores > 0 && System.getProperty("svg.threads") == null) Parallel.setThreads(cores);
            }
            ready = true;
        }
    }
}
