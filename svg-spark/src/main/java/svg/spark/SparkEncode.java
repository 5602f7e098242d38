package svg.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.app.train.Datasets;
import svg.app.train.LatentEncoder;
import svg.nn.data.Dataset;
import svg.nn.train.dit.LatentShards;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code encode}: the training images encoded to latents by the executors, one safetensors shard per partition plus
 * {@value LatentShards#INDEX}: what {@code svg train dit --latents} (and {@code train-dit} here) reads. Partitions
 * hold whole encoder batches of {@value LatentEncoder#BATCH} counted from image 0 (the latent of an image depends on
 * its batch), so the shards are, row for row, the latents {@code svg train dit} would encode and cache itself. The
 * data and autoencoder options are those of {@code svg train dit}; the executors read the same paths (shared storage
 * or the same files on every node).
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Distributed encoding of a training set to latents: safetensors shards + latents.index.json in --out, for train-dit / svg train dit --latents.")
final class SparkEncode implements Callable<Integer> {
    @Mixin ComputeOptions compute;
    @Mixin SparkOptions sparkOptions;

    static final class Latent {
        @Option(names = "--autoencoder", required = true, paramLabel = "DIR", description = "Output directory of `svg train autoencoder`: its SVG latents.")
        Path aeDir;
        @Option(names = "--vae", required = true, paramLabel = "DIR", description = "Output directory of `svg train vae`: its posterior-mean latents.")
        Path vaeDir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Latent latent;
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder for the shards and the index (shared storage on a cluster).")
    Path out;
    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory (default: /usr/share/datasets/fashion-mnist) or, with --image-folder, one sub-folder per class.")
    Path data;
    @Option(names = "--dataset", defaultValue = "fashion-mnist", paramLabel = "NAME", description = "fashion-mnist or mnist (default: ${DEFAULT-VALUE}).")
    String dataset;
    @Option(names = "--image-folder", description = "Read --data as one sub-folder per class of image files.")
    boolean imageFolder;
    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training images.")
    Integer limit;
    @Option(names = "--encode-limit", defaultValue = "20000", description = "Training images encoded (default: ${DEFAULT-VALUE}, as svg train dit).")
    int encodeLimit;

    /** One partition's share: images first..first+count-1, written as shard {@code shard}. */
    record Work(int shard, int first, int count) implements Serializable {}

    /** The job's input, as the executors reopen it. */
    record Source(String ae, String vae, String data, String dataset, boolean imageFolder, Integer limit) implements Serializable {
        Dataset open() { return Datasets.open(data == null ? null : Path.of(data), dataset, imageFolder, limit, true); }

        LatentEncoder encoder() throws IOException { return LatentEncoder.open(ae == null ? null : Path.of(ae), vae == null ? null : Path.of(vae)); }
    }

    @Override
    public Integer call() throws IOException {
        if (encodeLimit < 1) throw new CliException("--encode-limit must be >= 1, got " + encodeLimit);
        if (Files.exists(out) && !Files.isDirectory(out)) throw new CliException("--out " + out + " exists and is not a folder");
        Source src = new Source(abs(latent.aeDir), abs(latent.vaeDir), abs(data), dataset, imageFolder, limit);
        Dataset d = src.open();
        LatentEncoder enc;
        try (var scope = compute.apply()) {
            enc = src.encoder(); // fails here, on the driver, for a bad stage directory
        }
        int n = Math.min(encodeLimit, d.size());
        int batches = (n + LatentEncoder.BATCH - 1) / LatentEncoder.BATCH;
        SparkSession spark = sparkOptions.session("encode");
        int parts = sparkOptions.partitions(spark, batches);
        List<Work> work = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            int first = (int) ((long) batches * p / parts) * LatentEncoder.BATCH;
            int end = Math.min(n, (int) ((long) batches * (p + 1) / parts) * LatentEncoder.BATCH);
            work.add(new Work(p, first, end - first));
        }
        Files.createDirectories(out);
        String dir = out.toAbsolutePath().toString();
        long t0 = System.nanoTime();
        List<LatentShards.Shard> shards = new ArrayList<>(JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(work, parts)
                .mapPartitions((Iterator<Work> it) -> encodePartition(it, src, dir).iterator())
                .collect());
        shards.sort(java.util.Comparator.comparing(LatentShards.Shard::file));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(enc.kind(), enc.source().toString());
        meta.put("producer", "svg-spark encode");
        LatentShards.writeIndex(out.resolve(LatentShards.INDEX), shards, enc.grid() * enc.grid(), enc.channels(), d.classNames(), meta);
        System.out.printf(Locale.ROOT, "wrote %s: %d latents [%d, %d] in %d shards in %.1f s (%s)%n", out.resolve(LatentShards.INDEX), n,
                enc.grid() * enc.grid(), enc.channels(), shards.size(), (System.nanoTime() - t0) / 1e9, SparkOptions.describe(spark));
        return 0;
    }

    private static String abs(Path p) { return p == null ? null : p.toAbsolutePath().toString(); }

    /** On an executor: encode each share and write it as a shard. */
    static List<LatentShards.Shard> encodePartition(Iterator<Work> it, Source src, String dir) {
        ExecutorSetup.prepare();
        List<LatentShards.Shard> done = new ArrayList<>();
        try {
            Dataset d = null;
            LatentEncoder enc = null;
            while (it.hasNext()) {
                Work w = it.next();
                if (w.count() <= 0) continue;
                if (d == null) {
                    d = src.open();
                    enc = src.encoder();
                }
                int[] labels = new int[w.count()];
                Tensor tokens = enc.encode(d, w.first(), w.count(), labels);
                String name = LatentShards.shardName(w.shard());
                LatentShards.writeShard(Path.of(dir, name), tokens, labels, Map.of("first", Integer.toString(w.first())));
                done.add(new LatentShards.Shard(name, w.count()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a shard failed: " + e.getMessage(), e);
        }
        return done;
    }
}
