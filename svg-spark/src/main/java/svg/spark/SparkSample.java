package svg.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.ClassNames;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.app.ImageOutput;
import svg.app.ModelOptions;
import svg.app.SamplingOptions;
import svg.nn.flow.SamplerOptions;
import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sample}: {@code svg sample} cut into its sampler batches, spread over the executors. Image i of the run still
 * uses the noise stream (seed, i) and the batches are cut at the same places (multiples of --batch), so each executor
 * computes exactly what one machine computes for those images and the PNG files are the same bytes.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Distributed svg sample: the same options; --out DIR (one PNG per image, written by the executors), X.png (one grid) or X.parquet (index, class, class_name, seed, png).")
final class SparkSample implements Callable<Integer> {
    @Mixin ModelOptions modelOptions;
    @Mixin SamplingOptions sampling;
    @Mixin ComputeOptions compute;
    @Mixin SparkOptions sparkOptions;

    @Option(names = "--class", paramLabel = "CLASS", description = "Class id or name, repeatable. Default: cycle through all classes.")
    List<String> classes = new ArrayList<>();
    @Option(names = "--n", paramLabel = "N", defaultValue = "8", description = "Images per --class (or in all, without --class). Default ${DEFAULT-VALUE}.")
    int n;
    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Noise seed (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--batch", paramLabel = "B", defaultValue = "4", description = "Images per sampler batch (no effect on results).")
    int batch;
    @Option(names = "--scale", paramLabel = "K", defaultValue = "1", description = "Enlarge each image K times (nearest neighbour).")
    int scale;
    @Option(names = "--out", paramLabel = "PATH", defaultValue = "samples.png",
            description = "A folder (one PNG per image, as svg sample; on shared storage for a cluster), a .png grid or a .parquet table. Default ${DEFAULT-VALUE}.")
    String out;
    @Option(names = "--columns", paramLabel = "C", description = "Grid columns (default: N per row with several classes, else square).")
    Integer columns;
    @Option(names = "--quiet", description = "Accepted for svg sample's sake; executors draw no progress bar.")
    boolean quiet;

    /** The arguments as given, re-read by each executor for the sampler options. */
    String[] args = new String[0];

    /** One sampler batch: images first.. of classes y. */
    record Work(int first, int[] y) implements Serializable {}

    /** One image back from an executor: its PNG (table), its pixels (grid) or neither (written by the executor). */
    record Result(int index, int classId, byte[] png, float[] pixels) implements Serializable {}

    enum Kind { FOLDER, GRID, PARQUET }

    @Override
    public Integer call() throws IOException {
        if (n < 1) throw new CliException("--n must be >= 1, got " + n);
        if (batch < 1) throw new CliException("--batch must be >= 1, got " + batch);
        if (columns != null && columns < 1) throw new CliException("--columns must be >= 1, got " + columns);
        if (scale < 1 || scale > 64) throw new CliException("--scale must be in [1, 64], got " + scale);
        List<String> given = modelOptions.commandArgs();
        for (String o : List.of("--dit", "--autoencoder", "--dino", "--stats"))
            if (given.contains(o)) throw new CliException(o + " is not supported here: the executors receive a model directory (--model DIR)");
        String lower = out.toLowerCase(Locale.ROOT);
        Kind kind = lower.endsWith(".png") ? Kind.GRID : lower.endsWith(".parquet") ? Kind.PARQUET : Kind.FOLDER;
        Path outPath = Path.of(out);
        if (kind == Kind.FOLDER && Files.exists(outPath) && !Files.isDirectory(outPath))
            throw new CliException("--out " + out + " exists and is not a folder (use a .png name for one grid image)");
        if (kind == Kind.GRID && Files.isDirectory(outPath)) throw new CliException("--out " + out + " is a folder; a .png path means one grid image");
        // the driver loads the model too: bad paths, class names and sampler options fail here, before any task
        SvgModel m;
        int[] ids;
        SamplerOptions o;
        try (var scope = compute.apply()) {
            m = modelOptions.load();
            ids = ClassNames.sampleIds(classes, n, m.classes(), m.numClasses());
            o = sampling.apply(m.sampling());
        }
        Path dir = modelOptions.directory();
        List<Work> work = new ArrayList<>();
        for (int first = 0; first < ids.length; first += batch)
            work.add(new Work(first, Arrays.copyOfRange(ids, first, Math.min(ids.length, first + batch))));

        SparkSession spark = sparkOptions.session("sample");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int parts = sparkOptions.partitions(spark, work.size());
        Broadcast<ModelFiles> model = jsc.broadcast(ModelFiles.read(dir, given.contains("--bf16")));
        String[] a = args;
        long s = seed;
        int k = scale;
        String target = kind == Kind.FOLDER ? outPath.toAbsolutePath().toString() : null;
        if (target != null) Files.createDirectories(outPath);
        long t0 = System.nanoTime();
        JavaRDD<Result> images = jsc.parallelize(work, parts)
                .mapPartitions((Iterator<Work> it) -> samplePartition(it, model.value(), a, s, k, kind, target).iterator());
        String where;
        if (kind == Kind.PARQUET) {
            where = writeParquet(spark, images, new ArrayList<>(m.classes()));
        } else {
            List<Result> sorted = new ArrayList<>(images.collect());
            sorted.sort(Comparator.comparingInt(Result::index));
            where = kind == Kind.FOLDER ? out + "/ (" + sorted.size() + " files)" : writeGrid(sorted, ids.length);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "wrote %s: %d images, %dx%d px, %s, seed %d, in %.1f s on %d partitions (%s)%n", where, ids.length,
                m.outputSize() * scale, m.outputSize() * scale, SamplingOptions.describe(o), seed, secs, parts, SparkOptions.describe(spark));
        return 0;
    }

    /** On an executor: the batches of one partition, with a model borrowed for the whole partition. */
    static List<Result> samplePartition(Iterator<Work> it, ModelFiles files, String[] args, long seed, int scale, Kind kind, String folder) {
        ExecutorSetup.prepare();
        SparkSample opts = new SparkSample();
        new CommandLine(opts).parseArgs(args);
        SvgModel m = files.borrow();
        List<Result> out = new ArrayList<>();
        try {
            SamplerOptions o = opts.sampling.apply(m.sampling());
            while (it.hasNext()) {
                Work w = it.next();
                Tensor images = m.generateBatch(w.y(), w.first(), o, seed, null);
                List<byte[]> pngs = kind == Kind.GRID ? null : ImageOutput.pngs(images, scale);
                for (int i = 0; i < w.y().length; i++) {
                    int index = w.first() + i;
                    switch (kind) {
                        case FOLDER -> {
                            Files.write(Path.of(folder, String.format(Locale.ROOT, "sample_%03d.png", index)), pngs.get(i));
                            out.add(new Result(index, w.y()[i], null, null));
                        }
                        case PARQUET -> out.add(new Result(index, w.y()[i], pngs.get(i), null));
                        case GRID -> out.add(new Result(index, w.y()[i], null, images.select(0, i).contiguous().toArray()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing a sample into " + folder + " failed: " + e.getMessage(), e);
        } finally {
            files.release(m);
        }
        return out;
    }

    /** The grid of svg sample's .png output, from the collected pixels. */
    private String writeGrid(List<Result> images, int count) throws IOException {
        int per = images.get(0).pixels().length;
        float[] all = new float[per * count];
        for (Result r : images) System.arraycopy(r.pixels(), 0, all, r.index() * per, per);
        int px = per / 3;
        int s = (int) Math.round(Math.sqrt(px));
        Tensor t = ImageGrid.upscale(Tensor.of(all, count, 3, s, s), scale);
        int cols = columns != null ? columns : classes.size() > 1 ? n : 0;
        cols = cols > 0 ? cols : ImageGrid.squareColumns(count);
        Path p = Path.of(out);
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        ImageIo.writePng(ImageGrid.grid(t, cols, ImageGrid.DEFAULT_PADDING, 0f), p);
        return out;
    }

    /** The executors write the table: one row per image, sorted by index within each file. */
    private String writeParquet(SparkSession spark, JavaRDD<Result> images, ArrayList<String> names) {
        StructType schema = new StructType()
                .add("index", DataTypes.IntegerType, false)
                .add("class", DataTypes.IntegerType, false)
                .add("class_name", DataTypes.StringType, false)
                .add("seed", DataTypes.LongType, false)
                .add("png", DataTypes.BinaryType, false);
        long s = seed;
        JavaRDD<Row> rows = images.map(r -> RowFactory.create(r.index(), r.classId(),
                names.isEmpty() ? Integer.toString(r.classId()) : names.get(r.classId()), s, r.png()));
        spark.createDataFrame(rows, schema).write().mode(SaveMode.Overwrite).parquet(out);
        return out;
    }
}
