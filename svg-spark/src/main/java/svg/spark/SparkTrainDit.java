package svg.spark;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import svg.app.CliException;
import svg.app.train.TrainDitCommand;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * {@code train-dit}: {@code svg train dit} as R data-parallel replicas, one Spark barrier task each (all start
 * together, or none). The replicas find each other through the barrier's {@code allGather} and sum their gradients in
 * a ring all-reduce ({@link RingAllReduce}) every step; each trains its share of every global batch of --batch with
 * the random draws of one process, so the weights are those of {@code svg train dit} with the same options, to float32
 * summation order. Replica 0 writes the checkpoint, log and model into --out, which must be shared storage on a
 * cluster; when a replica fails, Spark reruns the whole barrier stage and every replica resumes from that checkpoint.
 */
@Command(name = "train-dit", mixinStandardHelpOptions = true,
        description = {"Data-parallel svg train dit: every option of `svg train dit` (see ./svg help train dit) plus the ones below.",
                "Needs --latents (e.g. from encode); --out and --latents on shared storage for a cluster."})
final class SparkTrainDit implements Callable<Integer> {
    @Mixin SparkOptions sparkOptions;

    @Option(names = "--replicas", paramLabel = "R", description = "Data-parallel replicas (barrier tasks; default: the cluster's task slots, cores / spark.task.cpus).")
    Integer replicas;

    @Option(names = "--local-sgd", paramLabel = "K", defaultValue = "0",
            description = "0 (default): sum the gradients every step (synchronous). K > 0: local SGD, each replica steps on its own share and the weights are averaged every K steps.")
    int localSgd;

    @Option(names = "--fail-after-step", paramLabel = "N", hidden = true, defaultValue = "-1",
            description = "Test hook: replica R-1 fails after update N in the stage's first attempt.")
    long failAfter;

    @Unmatched
    List<String> trainArgs = new ArrayList<>();

    @Override
    public Integer call() {
        // the options of svg train dit, checked here once (unknown or bad ones fail before any task starts)
        try {
            new CommandLine(new TrainDitCommand()).parseArgs(trainArgs.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new CliException(e.getMessage(), e);
        }
        if (value("--latents") == null) throw new CliException("train-dit needs --latents (a latents index written by encode, or a latents.safetensors)");
        if (!java.nio.file.Files.isRegularFile(java.nio.file.Path.of(value("--latents"))))
            throw new CliException("--latents " + value("--latents") + ": latents not found (the driver and every executor must see it)");
        if (sparkOptions.partitions != null) throw new CliException("--partitions is for sample and encode; train-dit takes --replicas");
        if (localSgd < 0) throw new CliException("--local-sgd must be >= 0, got " + localSgd);
        int batch = intValue("--batch", 64);
        SparkSession spark = sparkOptions.session("train-dit");
        // default: one replica per task slot (a replica of spark.task.cpus cores gets that many kernel threads' worth)
        int r = replicas != null ? replicas : Math.max(1, spark.sparkContext().defaultParallelism() / spark.sparkContext().getConf().getInt("spark.task.cpus", 1));
        if (r < 1) throw new CliException("--replicas must be >= 1, got " + r);
        if (batch < r) throw new CliException("--batch " + batch + " cannot be split between " + r + " replicas");
        if (localSgd > 0) {
            if (batch % r != 0) throw new CliException("with --local-sgd, --batch (" + batch + ") must be a multiple of --replicas (" + r + ")");
            if (intValue("--steps", 1500) % localSgd != 0)
                throw new CliException("with --local-sgd " + localSgd + ", --steps must be a multiple of it, so the run ends on averaged weights");
            int every = intValue("--checkpoint-every", 100);
            if (every % localSgd != 0)
                throw new CliException("with --local-sgd " + localSgd + ", --checkpoint-every (" + every + ") must be a multiple of it, so checkpoints hold averaged weights");
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ClassTag<String> tag = ClassTag$.MODULE$.apply(String.class);
        Replica fn = new Replica(trainArgs.toArray(String[]::new), localSgd, failAfter);
        long t0 = System.nanoTime();
        List<String> reports;
        try {
            // the shuffle (repartition) makes the barrier stage a ShuffleMapStage: Spark reruns a failed one of those
            // (up to spark.stage.maxConsecutiveAttempts), but aborts a failed barrier ResultStage
            reports = jsc.parallelize(IntStream.range(0, r).boxed().toList(), r).rdd().barrier().mapPartitions(fn, false, tag)
                    .toJavaRDD().repartition(1).collect();
        } catch (Exception e) { // Spark's failures (SparkException, checked in Java's eyes, though Scala declares nothing)
            throw new CliException("data-parallel training failed: " + e.getMessage(), e);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        for (String s : reports) System.out.println("train-dit: " + s);
        System.out.printf(Locale.ROOT, "train-dit: %d replicas, %s, in %.1f s (%s); model -> %s/model%n", r,
                localSgd > 0 ? "local SGD every " + localSgd + " steps" : "gradients summed every step", secs, SparkOptions.describe(spark), value("--out"));
        return 0;
    }

    private String value(String name) {
        for (int i = 0; i < trainArgs.size(); i++) {
            String a = trainArgs.get(i);
            if (a.equals(name) && i + 1 < trainArgs.size()) return trainArgs.get(i + 1);
            if (a.startsWith(name + "=")) return a.substring(name.length() + 1);
        }
        return null;
    }

    private int intValue(String name, int def) {
        String v = value(name);
        return v == null ? def : Integer.parseInt(v); // already checked by picocli above
    }

    /** One barrier task: joins the ring and runs svg train dit as replica (partition id) of R. */
    static final class Replica extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<String>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String[] args;
        private final int localSgd;
        private final long failAfter;

        Replica(String[] args, int localSgd, long failAfter) {
            this.args = args;
            this.localSgd = localSgd;
            this.failAfter = failAfter;
        }

        @Override
        public scala.collection.Iterator<String> apply(scala.collection.Iterator<Integer> ignored) {
            ExecutorSetup.prepare();
            BarrierTaskContext ctx = BarrierTaskContext.get();
            int rank = ctx.partitionId(), size = ctx.getTaskInfos().length;
            // a rerun of the stage (after a failure) continues from the checkpoint of the failed attempt
            boolean retry = ctx.stageAttemptNumber() > 0 || ctx.attemptNumber() > 0;
            String address = ctx.getTaskInfos()[rank].address();
            String host = address.contains(":") ? address.substring(0, address.lastIndexOf(':')) : address;
            long t0 = System.nanoTime();
            try (RingAllReduce ring = RingAllReduce.connect(rank, size, host, ctx::allGather)) {
                ReplicaSync sync = new ReplicaSync(ring, localSgd, !retry && rank == size - 1 ? failAfter : -1);
                List<String> a = new ArrayList<>(List.of(args));
                if (!a.contains("--no-progress")) a.add("--no-progress");
                if (retry && !a.contains("--resume")) a.add("--resume");
                TrainDitCommand cmd = new TrainDitCommand().replica(sync, rank, size);
                new CommandLine(cmd).parseArgs(a.toArray(String[]::new));
                cmd.call();
                String report = String.format(Locale.ROOT, "replica %d/%d%s: %s; %d all-reduces, %.1f MB sent; %.1f s in all", rank, size,
                        retry ? " (resumed)" : "", sync.timing(), sync.syncs(), ring.bytesSent() / 1e6, (System.nanoTime() - t0) / 1e9);
                return CollectionConverters.asScala(List.of(report).iterator());
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("replica " + rank + " failed: " + e.getMessage(), e);
            }
        }
    }
}
