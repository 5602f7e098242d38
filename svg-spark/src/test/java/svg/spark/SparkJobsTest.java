package svg.spark;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.app.SvgCommand;
import svg.app.train.Datasets;
import svg.app.train.LatentEncoder;
import svg.nn.data.Dataset;
import svg.nn.train.dit.LatentShards;
import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three jobs on local[2] against the single-machine svg commands, and their errors. */
class SparkJobsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String MODEL = ROOT.resolve("models/default").toString();
    static final String AE = ROOT.resolve("models/stages/autoencoder").toString();

    @BeforeAll
    static void spark() {
        SharedSpark.get();
    }

    static List<Path> pngs(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    @Test
    void sampleGivesTheBytesOfSvgSample(@TempDir Path tmp) throws Exception {
        String[] common = {"--model", MODEL, "--class", "sneaker", "--class", "bag", "--n", "3", "--steps", "3", "--seed", "7", "--quiet"};
        List<String> one = new ArrayList<>(List.of("sample"));
        one.addAll(List.of(common));
        assertEquals(0, SvgCommand.newCommandLine().execute(concat(one, "--out", tmp.resolve("one").toString())));
        assertEquals(0, SvgCommand.newCommandLine().execute(concat(one, "--out", tmp.resolve("one.png").toString())));
        // 6 images in sampler batches of 4 and 2: two partitions, one batch each
        assertEquals(0, SvgSpark.run(concat(one, "--out", tmp.resolve("two").toString(), "--partitions", "2")));
        assertEquals(0, SvgSpark.run(concat(one, "--out", tmp.resolve("two.png").toString())));
        assertEquals(0, SvgSpark.run(concat(one, "--out", tmp.resolve("two.parquet").toString())));
        List<Path> a = pngs(tmp.resolve("one")), b = pngs(tmp.resolve("two"));
        assertEquals(6, a.size());
        assertEquals(a.stream().map(p -> p.getFileName().toString()).toList(), b.stream().map(p -> p.getFileName().toString()).toList());
        for (int i = 0; i < a.size(); i++) assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).getFileName().toString());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("one.png")), Files.readAllBytes(tmp.resolve("two.png")));
        List<Row> rows = SharedSpark.get().read().parquet(tmp.resolve("two.parquet").toString()).orderBy("index").collectAsList();
        assertEquals(6, rows.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(i, rows.get(i).getInt(0));
            assertEquals(i < 3 ? 7 : 8, rows.get(i).getInt(1)); // Fashion-MNIST: 7 sneaker, 8 bag
            assertEquals(i < 3 ? "sneaker" : "bag", rows.get(i).getString(2));
            assertEquals(7L, rows.get(i).getLong(3));
            assertArrayEquals(Files.readAllBytes(a.get(i)), (byte[]) rows.get(i).get(4));
        }
    }

    @Test
    void encodeWritesTheLatentsOfOneMachineAndTrainingMatchesOneProcess(@TempDir Path tmp) throws Exception {
        Path lat = tmp.resolve("latents");
        // 600 images: encoder batches of 250, 250 and 100, over two partitions
        assertEquals(0, SvgSpark.run("encode", "--autoencoder", AE, "--limit", "600", "--out", lat.toString()));
        LatentShards.Latents got = LatentShards.read(lat.resolve(LatentShards.INDEX));
        assertEquals(600, got.labels().length);
        assertEquals(10, got.classes().size());
        assertTrue(Files.exists(lat.resolve(LatentShards.shardName(1))));
        LatentEncoder enc = LatentEncoder.open(Path.of(AE), null);
        Dataset d = Datasets.open(null, "fashion-mnist", false, 600, true);
        int[] labels = new int[600];
        Tensor want = enc.encode(d, 0, 600, labels);
        assertArrayEquals(want.toArray(), got.tokens().toArray());
        assertArrayEquals(labels, got.labels());

        String index = lat.resolve(LatentShards.INDEX).toString();
        String args = "--autoencoder " + AE + " --latents " + index + " --hidden 32 --depth 1 --heads 2 --batch 8 --steps 6 --warmup 2"
                + " --checkpoint-every 2 --sample-steps 2 --no-progress --seed 3";
        Path one = tmp.resolve("one"), two = tmp.resolve("two"), failed = tmp.resolve("failed");
        assertEquals(0, SvgCommand.newCommandLine().execute(("train dit --out " + one + " " + args).split(" ")));
        assertEquals(0, SvgSpark.run(("train-dit --replicas 2 --out " + two + " " + args).split(" ")));
        Map<String, Tensor> w1 = Safetensors.load(one.resolve("model/dit.safetensors")), w2 = Safetensors.load(two.resolve("model/dit.safetensors"));
        double max = maxDiff(w1, w2);
        assertTrue(max < 1e-5, "max |w(one process) - w(2 replicas)| = " + max);
        assertEquals(Files.readAllLines(one.resolve("log.csv")).size(), Files.readAllLines(two.resolve("log.csv")).size());

        // replica 1 fails after update 3: Spark reruns the barrier stage, which resumes from the checkpoint of update 2
        // and ends with the weights of the uninterrupted run
        assertEquals(0, SvgSpark.run(("train-dit --replicas 2 --fail-after-step 3 --out " + failed + " " + args).split(" ")));
        assertArrayEquals(Files.readAllBytes(two.resolve("model/dit.safetensors")), Files.readAllBytes(failed.resolve("model/dit.safetensors")));

        // local SGD: every replica steps on its own share; the weights are averaged every 2 steps
        assertEquals(0, SvgSpark.run(("train-dit --replicas 2 --local-sgd 2 --out " + tmp.resolve("lsgd") + " " + args).split(" ")));
        double lsgd = maxDiff(w1, Safetensors.load(tmp.resolve("lsgd/model/dit.safetensors")));
        assertTrue(lsgd > 1e-5 && lsgd < 1, "local SGD differs from synchronous training, but not wildly: " + lsgd);
    }

    static double maxDiff(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        double max = 0;
        for (var e : a.entrySet()) {
            float[] x = e.getValue().toArray(), y = b.get(e.getKey()).toArray();
            for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }

    @Test
    void badInputIsOneLineWithoutAStackTrace(@TempDir Path tmp) {
        assertError(tmp, "--model " + tmp.resolve("nope") + " not found", "sample", "--model", tmp.resolve("nope").toString(), "--out", tmp.resolve("x").toString());
        assertError(tmp, "unknown class", "sample", "--model", MODEL, "--class", "spaceship", "--out", tmp.resolve("x").toString());
        assertError(tmp, "Unknown option", "sample", "--model", MODEL, "--bogus");
        assertError(tmp, "Unknown option", "train-dit", "--autoencoder", AE, "--out", tmp.toString(), "--latents", "x", "--bogus", "1");
        assertError(tmp, "needs --latents", "train-dit", "--autoencoder", AE, "--out", tmp.toString());
        assertError(tmp, "latents not found", "train-dit", "--replicas", "1", "--autoencoder", AE, "--out", tmp.toString(), "--latents", tmp.resolve("none.json").toString());
        assertError(tmp, "Missing required argument", "encode", "--out", tmp.toString());
    }

    static void assertError(Path tmp, String expected, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        var cl = SvgSpark.newCommandLine(args);
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        String text = err.toString();
        assertTrue(code != 0, "exit code for " + String.join(" ", args));
        assertTrue(text.toLowerCase(java.util.Locale.ROOT).contains(expected.toLowerCase(java.util.Locale.ROOT)), "'" + expected + "' not in: " + text);
        assertFalse(text.contains("\tat "), "a stack trace: " + text);
    }

    static String[] concat(List<String> a, String... more) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(more));
        return l.toArray(String[]::new);
    }

}
