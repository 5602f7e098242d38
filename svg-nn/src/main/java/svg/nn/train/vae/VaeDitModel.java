package svg.nn.train.vae;

import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.flow.FlowSampler;
import svg.nn.flow.GuidanceMode;
import svg.nn.flow.PerImageNoise;
import svg.nn.flow.SamplerOptions;
import svg.nn.pipeline.DiTVelocity;
import svg.nn.pipeline.ImageGenerator;
import svg.nn.pipeline.LatentStats;
import svg.nn.pipeline.Latents;
import svg.nn.pipeline.ModelManifest;
import svg.nn.pipeline.ProgressListener;
import svg.nn.pipeline.RecordJson;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.Json;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The baseline generator: a DiT trained on KL-VAE posterior-mean latents, sampled exactly as {@link SvgModel}
 * samples SVG latents (same per-image noise streams, sampler, guidance and standardisation), so the two latents
 * differ in nothing but the autoencoder. A separate model-directory kind, so SvgModel and its format stay as they are:
 * <pre>
 *   model.json        {"format": "svg-jvm-vae-model/1", "dit": {...}, "vae": {VaeConfig}, "classes": [...],
 *                      "image_size": 32, "feature_norm": true, "sampling": {...}}
 *   dit.safetensors, vae.safetensors, stats.safetensors (when feature_norm)
 * </pre>
 */
public final class VaeDitModel implements ImageGenerator {
    public static final String FORMAT = "svg-jvm-vae-model/1", VAE_FILE = "vae.safetensors";

    private final DiT dit;
    private final KlVae vae;
    private final LatentStats stats;
    private final boolean featureNorm;
    private final List<String> classes;
    private final SamplerOptions sampling;

    /** @param stats per-channel latent statistics (1, 1, C), or null for none */
    public VaeDitModel(DiT dit, KlVae vae, LatentStats stats, List<String> classes, SamplerOptions sampling) {
        DiTConfig dc = dit.config;
        int c = vae.zChannels;
        if (dc.in_channels() != c)
            throw new IllegalArgumentException("incompatible parts: the DiT works on " + dc.in_channels() + "-channel latents but the VAE has " + c);
        if (dc.input_size() != vae.grid)
            throw new IllegalArgumentException("incompatible parts: the DiT covers a " + dc.input_size() + "x" + dc.input_size()
                    + " grid but the VAE latent is " + vae.grid + "x" + vae.grid);
        if (stats != null && stats.channels() != c)
            throw new IllegalArgumentException("latent stats have " + stats.channels() + " channels but the latents have " + c);
        List<String> names = classes == null ? List.of() : List.copyOf(classes);
        if (!names.isEmpty() && names.size() != dc.num_classes())
            throw new IllegalArgumentException(names.size() + " class names for a DiT with " + dc.num_classes() + " classes");
        this.dit = dit;
        this.vae = vae;
        this.featureNorm = stats != null;
        this.stats = stats != null ? stats : LatentStats.identity(c);
        this.classes = names;
        this.sampling = sampling == null ? SamplerOptions.defaults() : sampling;
    }

    public DiT dit() { return dit; }
    public KlVae vae() { return vae; }
    public LatentStats stats() { return stats; }
    @Override public List<String> classes() { return classes; }
    @Override public int numClasses() { return dit.config.num_classes(); }
    @Override public int imageSize() { return vae.config.image_size(); }
    @Override public int outputSize() { return vae.grid * vae.config.ddconfig().upsampleFactor(); }
    @Override public SamplerOptions sampling() { return sampling; }

    private int nullClass() { return dit.config.labelTableSize() > dit.config.num_classes() ? dit.config.nullClass() : -1; }

    /** No autograd, both networks in eval mode; their modes restored on close. */
    private GradMode.Scope inference() {
        boolean ditTrain = dit.isTraining(), vaeTrain = vae.isTraining();
        GradMode.Scope g = GradMode.noGrad();
        dit.eval();
        vae.eval();
        return () -> {
            dit.train(ditTrain);
            vae.train(vaeTrain);
            g.close();
        };
    }

    /** Images [N, 3, S, S] in [0, 1] -> posterior means [N, z, g, g] (the latents the DiT was trained on). */
    @Override
    public Tensor encode(Tensor images01) {
        int s = imageSize();
        if (images01.dim() != 4 || images01.size(1) != 3 || images01.size(2) != s || images01.size(3) != s)
            throw new IllegalArgumentException("encode needs images [N, 3, " + s + ", " + s + "] in [0, 1], got " + Arrays.toString(images01.shape()));
        try (var g = inference()) {
            return vae.encodeMean01(images01);
        }
    }

    /** Latents [N, z, g, g] -> images in [0, 1] (decoder output clamped to [-1, 1], then mapped, as SvgModel). */
    @Override
    public Tensor decode(Tensor latent) {
        if (latent.dim() != 4 || latent.size(1) != vae.zChannels)
            throw new IllegalArgumentException("decode needs latents [N, " + vae.zChannels + ", h, w], got " + Arrays.toString(latent.shape()));
        try (var g = inference()) {
            Tensor out = vae.decode(latent);
            float[] d = out.toArray();
            for (int i = 0; i < d.length; i++) d[i] = (Math.max(-1f, Math.min(1f, d[i])) + 1f) * 0.5f;
            return Tensor.of(d, out.shape());
        }
    }

    @Override
    public Tensor generate(int[] classIds, SamplerOptions opts, long seed, int batchSize, ProgressListener progress) {
        if (classIds == null || classIds.length == 0) throw new IllegalArgumentException("nothing to generate: no class ids");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        for (int id : classIds)
            if (id < 0 || id >= numClasses()) throw new IllegalArgumentException("class id " + id + " outside [0, " + numClasses() + ")");
        SamplerOptions o = opts == null ? sampling : opts;
        boolean guided = !(o.mode() instanceof GuidanceMode.Constant && o.cfg() == 1.0);
        if (guided && nullClass() < 0)
            throw new IllegalArgumentException("this DiT has no null class (class_dropout_prob 0), so it cannot use guidance: set cfg 1 with constant mode");
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        int n = classIds.length, batches = (n + batchSize - 1) / batchSize, total = batches * (o.steps() + 1);
        int[] done = {0};
        int g = vae.grid, c = vae.zChannels;
        List<Tensor> parts = new ArrayList<>();
        for (int first = 0; first < n; first += batchSize) {
            int count = Math.min(batchSize, n - first);
            PerImageNoise noise = new PerImageNoise(seed, first, count);
            Tensor z0 = noise.normal(count, g * g, c);
            int[] y = Arrays.copyOfRange(classIds, first, first + count);
            int[] yNull = null;
            if (guided) {
                yNull = new int[count];
                Arrays.fill(yNull, nullClass());
            }
            Tensor tokens;
            try (var scope = inference()) {
                tokens = FlowSampler.sample(new DiTVelocity(dit), z0, y, yNull, o, noise, (s, steps, t, z) -> p.onProgress("sample", ++done[0], total)).sample();
            }
            parts.add(decode(Latents.fromTokens(stats.denormalize(tokens), g, g)));
            p.onProgress("decode", ++done[0], total);
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts);
    }

    // ------------------------------------------------------------------ model directory

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = Map.of("format", "pt", "producer", "svg-jvm");
        Safetensors.save(dir.resolve(SvgModel.DIT_FILE), dit.stateDict(), meta);
        Safetensors.save(dir.resolve(VAE_FILE), vae.stateDict(), meta);
        if (featureNorm) {
            Map<String, Tensor> s = new LinkedHashMap<>();
            s.put(LatentStats.MEAN_KEY, stats.mean());
            s.put(LatentStats.STD_KEY, stats.std());
            Safetensors.save(dir.resolve(SvgModel.STATS_FILE), s, meta);
        } else Files.deleteIfExists(dir.resolve(SvgModel.STATS_FILE));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("dit", RecordJson.toMap(dit.config));
        m.put("vae", RecordJson.toMap(vae.config));
        m.put("classes", classes);
        m.put("image_size", (long) imageSize());
        m.put("feature_norm", featureNorm);
        m.put("sampling", ModelManifest.samplingJson(sampling));
        Files.writeString(dir.resolve(ModelManifest.FILE), Json.write(m) + "\n");
    }

    /** The "format" of a model directory's model.json, or null when it has none or it is not a JSON object. */
    public static String format(Path dir) throws IOException {
        Path mj = dir.resolve(ModelManifest.FILE);
        if (!Files.isRegularFile(mj)) return null;
        try {
            return Json.parse(Files.readString(mj)) instanceof Map<?, ?> m && m.get("format") instanceof String f ? f : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Loads a directory written by {@link #save}; every weight must be present with the right shape. */
    public static VaeDitModel load(Path dir) throws IOException {
        Path mj = dir.resolve(ModelManifest.FILE);
        if (!Files.isRegularFile(mj)) throw new IOException(dir + " is not a model directory: " + ModelManifest.FILE + " is missing");
        DiTConfig dc;
        VaeConfig vc;
        List<String> classes = new ArrayList<>();
        boolean featureNorm;
        SamplerOptions so;
        try {
            if (!(Json.parse(Files.readString(mj)) instanceof Map<?, ?> m)) throw new IllegalArgumentException("model.json must hold a JSON object");
            if (!FORMAT.equals(m.get("format")))
                throw new IllegalArgumentException("format must be \"" + FORMAT + "\", got " + m.get("format"));
            dc = RecordJson.fromMap(DiTConfig.class, m.get("dit"));
            vc = RecordJson.fromMap(VaeConfig.class, m.get("vae"));
            if (m.get("classes") instanceof List<?> l) for (Object o : l) classes.add(String.valueOf(o));
            featureNorm = !Boolean.FALSE.equals(m.get("feature_norm"));
            so = ModelManifest.parseSampling(m.get("sampling"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(mj + ": " + e.getMessage(), e);
        }
        DiT dit = new DiT(dc, null);
        dit.loadStateDict(Safetensors.load(require(dir.resolve(SvgModel.DIT_FILE))));
        KlVae vae = new KlVae(vc, null);
        vae.loadStateDict(Safetensors.load(require(dir.resolve(VAE_FILE))));
        LatentStats stats = featureNorm ? SvgModel.readStats(require(dir.resolve(SvgModel.STATS_FILE))) : null;
        return new VaeDitModel(dit, vae, stats, classes, so);
    }

    private static Path require(Path p) throws IOException {
        if (!Files.isRegularFile(p)) throw new IOException("missing model file " + p);
        return p;
    }
}
