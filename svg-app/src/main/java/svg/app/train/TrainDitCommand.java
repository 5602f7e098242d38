package svg.app.train;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import svg.app.CliException;
import svg.app.ComputeOptions;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.data.Dataset;
import svg.nn.data.Loader;
import svg.nn.data.Transforms;
import svg.nn.data.Views;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.flow.SamplerOptions;
import svg.nn.image.ImageGrid;
import svg.nn.image.ImageIo;
import svg.nn.pipeline.ImageGenerator;
import svg.nn.pipeline.LatentStats;
import svg.nn.pipeline.Latents;
import svg.nn.pipeline.SvgModel;
import svg.nn.train.CheckpointFile;
import svg.nn.train.TrainConfig;
import svg.nn.train.Trainer;
import svg.nn.train.dit.DitTask;
import svg.nn.train.dit.LatentDataset;
import svg.nn.train.dit.LatentShards;
import svg.nn.train.TrainSync;
import svg.nn.train.vae.KlVae;
import svg.nn.train.vae.VaeDitModel;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

/**
 * {@code svg train dit}: encodes the training images once with the frozen autoencoder (cached in OUT/latents.safetensors),
 * computes per-channel latent statistics (feature normalisation), trains the DiT with rectified flow, and writes the
 * complete model directory OUT/model (svg-jvm-model/1, EMA weights) plus OUT/samples.png (one row per class).
 * With {@code --vae} the latents are a KL-VAE's posterior means and the model directory is svg-jvm-vae-model/1;
 * everything else (statistics, DiT, training, sampling) is the same, for the SVG-vs-VAE comparison.
 */
@Command(name = "dit", mixinStandardHelpOptions = true, description = "Train the class-conditional DiT on autoencoder latents (rectified flow).")
public final class TrainDitCommand implements Callable<Integer> {
    @Mixin TrainOptions opts;
    @Mixin ComputeOptions compute;

    /** Which latent the DiT learns: the SVG autoencoder's or the KL-VAE baseline's. */
    static final class Latent {
        @Option(names = "--autoencoder", required = true, paramLabel = "DIR", description = "Output directory of `svg train autoencoder`: train on its SVG latents.")
        Path aeDir;
        @Option(names = "--vae", required = true, paramLabel = "DIR",
                description = "Output directory of `svg train vae`: train on the KL-VAE's posterior-mean latents (the LDM way) instead; the model directory is then svg-jvm-vae-model/1.")
        Path vaeDir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Latent latent;
    @Option(names = "--hidden", defaultValue = "128", description = "DiT width (default: ${DEFAULT-VALUE}).")
    int hidden;
    @Option(names = "--depth", defaultValue = "4", description = "DiT blocks (default: ${DEFAULT-VALUE}).")
    int depth;
    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;
    @Option(names = "--encode-limit", defaultValue = "20000", description = "Training images encoded to latents (default: ${DEFAULT-VALUE}).")
    int encodeLimit;
    @Option(names = "--shift", defaultValue = "0.4", description = "Training timestep shift (default: ${DEFAULT-VALUE}, as train_svg.py).")
    double shift;
    @Option(names = "--label-dropout", defaultValue = "0.1", description = "Probability of the null label (default: ${DEFAULT-VALUE}).")
    double labelDropout;
    @Option(names = "--ema", defaultValue = "0.999", description = "EMA decay (warmed up as (1+s)/(10+s)) (default: ${DEFAULT-VALUE}).")
    double emaDecay;
    @Option(names = "--cfg", defaultValue = "3.0", description = "Default guidance scale written to model.json (default: ${DEFAULT-VALUE}).")
    double cfgScale;
    @Option(names = "--sample-steps", defaultValue = "25", description = "Default sampler steps written to model.json (default: ${DEFAULT-VALUE}).")
    int sampleSteps;
    @Option(names = "--sample-shift", defaultValue = "0.15", description = "Default sampling shift written to model.json (default: ${DEFAULT-VALUE}).")
    double sampleShift;

    @Option(names = "--latents", paramLabel = "FILE",
            description = "Train on these latents instead of encoding the training images: a latents index (latents.index.json, "
                    + "written by svg-spark's distributed encode) or a one-file cache (a run's latents.safetensors). "
                    + "They must come from the --autoencoder/--vae given.")
    Path latentsFile;

    @Option(names = "--stop-after", paramLabel = "N", description = "End after update N of the --steps schedule (a checkpoint and "
            + "the model of step N are written; --resume continues the same schedule).")
    Long stopAfter;
    @Option(names = "--export-checkpoint", paramLabel = "FILE", description = "Do not train: write the model of this checkpoint "
            + "of the run (its EMA weights; e.g. one kept by --keep-every) to --export-to. The run's other options must be the ones it was trained with.")
    Path exportCheckpoint;
    @Option(names = "--export-to", paramLabel = "DIR", description = "With --export-checkpoint: the model directory to write (default: OUT/model-step-N).")
    Path exportTo;

    private TrainSync sync = TrainSync.NONE;
    private int replica = 0, replicas = 1;

    /**
     * Makes this run replica {@code replica} of {@code replicas} in data-parallel training (svg-spark): it trains its
     * share of each global batch of --batch, {@code sync} joins its gradients to the others', and only the writer
     * replica writes the checkpoint, log and model. Needs --latents (the replicas do not each encode the images).
     */
    public TrainDitCommand replica(TrainSync sync, int replica, int replicas) {
        this.sync = sync;
        this.replica = replica;
        this.replicas = replicas;
        return this;
    }

    @Override
    public Integer call() throws Exception {
        try (var scope = compute.apply()) {
            TrainConfig cfg = opts.config(1500, 64, 5e-4, 0.0);
            if (!sync.writer()) cfg = cfg.withListener(null);
            if (replicas > 1 && latentsFile == null) throw new CliException("data-parallel training needs --latents (encode them first, e.g. with svg-spark's encode)");
            if (replicas > 1 && cfg.batchSize() < replicas) throw new CliException("--batch " + cfg.batchSize() + " is smaller than the " + replicas + " replicas");
            Files.createDirectories(cfg.out());
            LatentEncoder enc = LatentEncoder.open(latent.aeDir, latent.vaeDir);
            SvgAutoencoder ae = enc.ae();
            KlVae vae = enc.vae();
            UnaryOperator<Tensor> encoder = enc.encoder();
            int size = enc.size(), grid = enc.grid(), c = enc.channels();
            Path source = enc.source();
            LatentShards.Latents given = null;
            if (latentsFile != null) {
                try {
                    given = LatentShards.read(latentsFile);
                } catch (IOException e) {
                    throw new CliException("--latents " + latentsFile + ": " + e.getMessage(), e);
                }
            }
            Dataset data = given != null && !given.classes().isEmpty() ? null : Datasets.open(opts, true);
            java.util.List<String> classNames = data != null ? data.classNames() : given.classes();
            Path cache = latentsFile != null ? latentsFile : cfg.out().resolve("latents.safetensors");
            Tensor tokens;
            int[] labels;
            if (given != null) {
                tokens = given.tokens();
                labels = given.labels();
                if (tokens.size(1) != grid * grid || tokens.size(2) != c)
                    throw new CliException(latentsFile + " holds latents " + Arrays.toString(tokens.shape()) + " but " + source + " gives [N, " + grid * grid + ", " + c
                            + "]: they were encoded by another autoencoder");
                if (sync.writer()) System.out.printf("dit: %d latents from %s%n", labels.length, latentsFile);
            } else if (Files.exists(cache)) {
                Map<String, Tensor> m = Safetensors.load(cache);
                tokens = m.get("tokens");
                float[] lf = m.get("labels").toArray();
                labels = new int[lf.length];
                for (int i = 0; i < lf.length; i++) labels[i] = (int) lf[i];
                if (tokens.dim() != 3 || tokens.size(1) != grid * grid || tokens.size(2) != c)
                    throw new CliException(cache + " holds latents " + Arrays.toString(tokens.shape()) + " but " + source + " gives [N, " + grid * grid + ", " + c
                            + "]: it was encoded by another autoencoder; delete it or use another --out");
                System.out.printf("dit: %d cached latents from %s%n", labels.length, cache);
            } else {
                long t0 = System.nanoTime();
                int n = Math.min(encodeLimit, data.size());
                labels = new int[n];
                tokens = encodeAll(encoder, data, 0, n, size, labels);
                Map<String, Tensor> m = new LinkedHashMap<>();
                m.put("tokens", tokens);
                float[] lf = new float[n];
                for (int i = 0; i < n; i++) lf[i] = labels[i];
                m.put("labels", Tensor.of(lf, n));
                Safetensors.save(cache, m, Map.of(vae != null ? "vae" : "autoencoder", source.toString()));
                System.out.printf(Locale.ROOT, "dit: encoded %d images to [%d, %d, %d] latents in %.1f s%n", n, n, grid * grid, c, (System.nanoTime() - t0) / 1e9);
            }
            LatentStats stats = channelStats(tokens);
            Tensor normed = stats.normalize(tokens);
            DiTConfig dc = new DiTConfig(grid, 1, c, hidden, depth, heads, 4.0, labelDropout, classNames.size(), true, 0, true);
            DiT dit = new DiT(dc, new Rng(cfg.seed()));
            DitTask task = new DitTask(dit, shift, labelDropout, emaDecay);
            if (replicas > 1) task.shard(replica, replicas);
            if (sync.writer()) System.out.printf(Locale.ROOT, "dit: hidden %d depth %d heads %d on %dx%d tokens x %d channels, %,d parameters%n",
                    hidden, depth, heads, grid, grid, c, dit.numParameters());
            if (exportCheckpoint != null) {
                exportCheckpoint(task, dc, stats, classNames, ae, vae, size, cfg);
                return 0;
            }
            Trainer.Result r;
            LatentDataset ld = new LatentDataset(normed, labels, classNames);
            try (Loader loader = new Loader(ld, cfg.batchSize(), cfg.seed(), Views.single(svg.nn.data.Transform.identity()), cfg.workers(), 4)) {
                Trainer trainer = new Trainer(cfg, task, loader, System.out).sync(sync);
                if (stopAfter != null) {
                    if (stopAfter <= 0) throw new CliException("--stop-after must be positive, got " + stopAfter);
                    trainer.stopAfter(stopAfter);
                }
                r = trainer.run();
            }
            if (!sync.writer()) return 0;
            Path modelDir = cfg.out().resolve("model");
            ImageGenerator model = saveModel(dc, task.emaWeights(), stats, classNames, ae, vae, size, modelDir);
            writeSamples(model, 8, cfg.seed(), cfg.out().resolve("samples.png"));
            System.out.printf(Locale.ROOT, "dit: %d steps in %.1f s, final loss %.4f; model -> %s%n", r.steps(), r.seconds(),
                    r.lastLogs().getOrDefault("loss", Double.NaN), modelDir);
        }
        return 0;
    }

    /** The model directory of a trained DiT: {@code ema} (the EMA weights) on the run's autoencoder or VAE. */
    private ImageGenerator saveModel(DiTConfig dc, Map<String, Tensor> ema, LatentStats stats, java.util.List<String> classes,
                                     SvgAutoencoder ae, KlVae vae, int size, Path modelDir) throws IOException {
        DiT emaDit = new DiT(dc, null);
        Map<String, Tensor> sd = new LinkedHashMap<>(emaDit.stateDict());
        sd.putAll(ema);
        emaDit.loadStateDict(sd);
        SamplerOptions so = SamplerOptions.defaults().withCfg(cfgScale).withSteps(sampleSteps).withShift(sampleShift);
        if (vae != null) {
            VaeDitModel vm = new VaeDitModel(emaDit, vae, stats, classes, so);
            vm.save(modelDir);
            return vm;
        }
        SvgModel sm = new SvgModel(emaDit, ae, stats, classes, size, so);
        sm.save(modelDir);
        return sm;
    }

    /** --export-checkpoint: the model of a (kept) checkpoint of this run, without training. */
    private void exportCheckpoint(DitTask task, DiTConfig dc, LatentStats stats, java.util.List<String> classes,
                                  SvgAutoencoder ae, KlVae vae, int size, TrainConfig cfg) throws IOException {
        if (!Files.isRegularFile(exportCheckpoint)) throw new CliException("checkpoint not found: " + exportCheckpoint);
        CheckpointFile ck = CheckpointFile.read(exportCheckpoint);
        if (!task.name().equals(ck.metadata().get("task")))
            throw new CliException(exportCheckpoint + " is a '" + ck.metadata().get("task") + "' checkpoint, not a DiT one");
        Map<String, Tensor> ema = ck.group("state.ema.");
        Map<String, Tensor> want = task.emaWeights();
        for (var e : want.entrySet()) {
            Tensor t = ema.get(e.getKey());
            if (t == null || !Arrays.equals(t.shape(), e.getValue().shape()))
                throw new CliException(exportCheckpoint + ": EMA weight " + e.getKey() + (t == null ? " is missing" : " has shape "
                        + Arrays.toString(t.shape()) + ", this run's DiT needs " + Arrays.toString(e.getValue().shape()))
                        + " (were --hidden/--depth/--heads those of the run?)");
        }
        String step = ck.metadata().getOrDefault("step", "?");
        Path dir = exportTo != null ? exportTo : cfg.out().resolve("model-step-" + step);
        saveModel(dc, ema, stats, classes, ae, vae, size, dir);
        System.out.printf(Locale.ROOT, "dit: model of step %s (%s) -> %s%n", step, exportCheckpoint, dir);
    }

    /**
     * Encodes the first n images in batches of 250 (SVG's match_distribution uses batch statistics) with
     * {@code encoder}: images [B, 3, S, S] in [0, 1] -> latents [B, C, g, g].
     */
    static Tensor encodeAll(UnaryOperator<Tensor> encoder, Dataset data, int from, int n, int size, int[] labels) {
        var prep = Transforms.toRgb().then(Transforms.fitTo(size, 0f));
        int bs = LatentEncoder.BATCH;
        java.util.List<Tensor> parts = new java.util.ArrayList<>();
        for (int s = 0; s < n; s += bs) {
            int len = Math.min(bs, n - s);
            float[] buf = new float[len * 3 * size * size];
            for (int i = 0; i < len; i++) {
                var ex = data.get(from + s + i);
                labels[s + i] = ex.label();
                float[] d = prep.apply(ex.image(), new Rng(0)).data();
                System.arraycopy(d, 0, buf, i * d.length, d.length);
            }
            try (var g = svg.tensor.autograd.GradMode.noGrad()) {
                Tensor lat = encoder.apply(Tensor.of(buf, len, 3, size, size));
                parts.add(Latents.toTokens(lat));
            }
        }
        return Tensor.cat(0, parts).contiguous();
    }

    /** Per-channel mean and (population) std over all tokens of all images: (1, 1, C). */
    static LatentStats channelStats(Tensor tokens) {
        int c = tokens.size(2);
        float[] v = tokens.toArray();
        double[] s = new double[c], s2 = new double[c];
        long rows = v.length / c;
        for (int i = 0; i < v.length; i++) { s[i % c] += v[i]; s2[i % c] += (double) v[i] * v[i]; }
        float[] mean = new float[c], std = new float[c];
        for (int k = 0; k < c; k++) {
            double m = s[k] / rows;
            mean[k] = (float) m;
            std[k] = (float) Math.sqrt(Math.max(1e-12, s2[k] / rows - m * m));
        }
        return new LatentStats(Tensor.of(mean, 1, 1, c), Tensor.of(std, 1, 1, c));
    }

    /** One row per class, {@code perClass} samples each, with the model's default sampling settings. */
    static void writeSamples(ImageGenerator model, int perClass, long seed, Path png) throws IOException {
        int k = model.numClasses();
        int[] ids = new int[k * perClass];
        for (int i = 0; i < ids.length; i++) ids[i] = i / perClass;
        Tensor imgs = model.generate(ids, null, seed, 16, null);
        ImageIo.writePng(ImageGrid.grid(imgs, perClass, 2, 1f), png);
    }
}
