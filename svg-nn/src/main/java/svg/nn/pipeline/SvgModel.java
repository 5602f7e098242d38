package svg.nn.pipeline;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.flow.FlowSampler;
import svg.nn.flow.GuidanceMode;
import svg.nn.flow.NoiseSource;
import svg.nn.flow.PerImageNoise;
import svg.nn.flow.SamplerOptions;
import svg.nn.flow.StepListener;
import svg.nn.flow.VelocityModel;
import svg.nn.module.Module;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.DType;
import svg.tensor.io.Safetensors;
import svg.tensor.io.TensorFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A complete SVG generator: the autoencoder (frozen DINOv3 + residual ViT -> latent; LDM decoder -> pixels), the
 * DiT that generates latents with rectified flow, the per-channel latent statistics, class names and default
 * sampling settings. Stored as a model directory (see {@link #save}, docs/model-format.md) or assembled from the
 * official files ({@link #fromOfficial}).
 *
 * <p>Generation: per-image noise tokens (B, T, C) from (seed, image index) -> sampler (standardised latent space) ->
 * de-standardise -> tokens to NCHW -> decoder -> clamp to [-1, 1] -> map to [0, 1]. All inference runs without
 * autograd.
 */
public final class SvgModel implements ImageGenerator {
    public static final String DIT_FILE = "dit.safetensors", AE_FILE = "autoencoder.safetensors", STATS_FILE = "stats.safetensors";

    private final DiT dit;
    private final SvgAutoencoder autoencoder;
    private final LatentStats stats;
    private final boolean featureNorm;
    private final List<String> classes;
    private final int imageSize;
    private final SamplerOptions sampling;

    /**
     * @param stats per-channel latent statistics (at least dit.in_channels channels), or null for no feature
     *              normalisation
     * @param classes one name per class id, or empty
     */
    public SvgModel(DiT dit, SvgAutoencoder autoencoder, LatentStats stats, List<String> classes, int imageSize,
                    SamplerOptions sampling) {
        if (dit == null || autoencoder == null) throw new IllegalArgumentException("a model needs a DiT and an autoencoder");
        DiTConfig dc = dit.config;
        SvgAutoencoderConfig ac = autoencoder.config;
        int c = dc.in_channels();
        if (ac.latentChannels() != c)
            throw new IllegalArgumentException("incompatible parts: the DiT works on " + c + "-channel latents but the autoencoder produces "
                    + ac.latentChannels() + " channels (DINOv3 " + ac.dino().embed_dim() + " + residual "
                    + (ac.extra_vit() == null ? 0 : ac.extra_vit().output_dim()) + ")");
        int patch = ac.dino().patch_size();
        if (imageSize <= 0 || imageSize % patch != 0)
            throw new IllegalArgumentException("image size must be a positive multiple of the encoder patch size " + patch + ", got " + imageSize);
        if (dc.input_size() != imageSize / patch)
            throw new IllegalArgumentException("incompatible parts: the DiT covers a " + dc.input_size() + "x" + dc.input_size()
                    + " token grid but " + imageSize + " px images give " + (imageSize / patch) + "x" + (imageSize / patch) + " latents");
        if (ac.extra_vit() != null && ac.extra_vit().image_size() != imageSize)
            throw new IllegalArgumentException("incompatible parts: the residual ViT takes " + ac.extra_vit().image_size()
                    + " px images but the model's image size is " + imageSize);
        if (ac.ddconfig().z_channels() != c)
            throw new IllegalArgumentException("decoder z_channels " + ac.ddconfig().z_channels() + " != latent channels " + c);
        if (stats != null) {
            if (stats.channels() < c)
                throw new IllegalArgumentException("latent stats have " + stats.channels() + " channels but the latents have " + c);
            stats = stats.slice(c);
        }
        List<String> names = classes == null ? List.of() : List.copyOf(classes);
        if (!names.isEmpty() && names.size() != dc.num_classes())
            throw new IllegalArgumentException(names.size() + " class names for a DiT with " + dc.num_classes() + " classes");
        this.dit = dit;
        this.autoencoder = autoencoder;
        this.featureNorm = stats != null;
        this.stats = stats != null ? stats : LatentStats.identity(c);
        this.classes = names;
        this.imageSize = imageSize;
        this.sampling = sampling == null ? SamplerOptions.defaults() : sampling;
    }

    /**
     * An inference scope: no autograd, both networks in eval mode, their previous modes restored on close (a
     * trainer can sample previews from the live networks without leaving them in eval mode).
     */
    private GradMode.Scope inference() {
        boolean ditTrain = dit.isTraining(), aeTrain = autoencoder.isTraining();
        GradMode.Scope g = GradMode.noGrad();
        dit.eval();
        autoencoder.eval();
        return () -> {
            dit.train(ditTrain);
            autoencoder.train(aeTrain);
            g.close();
        };
    }

    // ------------------------------------------------------------------ accessors

    public DiT dit() { return dit; }
    public SvgAutoencoder autoencoder() { return autoencoder; }
    public LatentStats stats() { return stats; }
    public boolean featureNorm() { return featureNorm; }
    public List<String> classes() { return classes; }
    public int imageSize() { return imageSize; }
    public SamplerOptions sampling() { return sampling; }
    public int numClasses() { return dit.config.num_classes(); }
    public int latentChannels() { return dit.config.in_channels(); }
    /** Side of the latent token grid: image size / encoder patch size (16 for the official models). */
    public int gridSize() { return imageSize / autoencoder.config.dino().patch_size(); }
    public int numTokens() { return gridSize() * gridSize(); }
    /** Side of the decoded images: the latent grid upsampled by the decoder (2 per extra level). */
    public int outputSize() { return gridSize() << (autoencoder.config.ddconfig().ch_mult().length - 1); }
    /** The null (unconditional) label, or -1 when the DiT was built without one (class_dropout_prob 0). */
    public int nullClass() { return dit.config.labelTableSize() > dit.config.num_classes() ? dit.config.nullClass() : -1; }

    /** The class name of an id, or the id as text when the model has no names. */
    public String className(int id) { return classes.isEmpty() ? Integer.toString(id) : classes.get(id); }

    /** The class id whose name equals (ignoring case) or starts with {@code name}; an integer string is an id. */
    public int classId(String name) {
        try {
            int id = Integer.parseInt(name.trim());
            checkClass(id);
            return id;
        } catch (NumberFormatException ignored) { }
        for (int i = 0; i < classes.size(); i++) if (classes.get(i).equalsIgnoreCase(name.trim())) return i;
        List<Integer> hits = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) if (classes.get(i).toLowerCase().startsWith(name.trim().toLowerCase())) hits.add(i);
        if (hits.size() == 1) return hits.get(0);
        if (hits.isEmpty()) throw new IllegalArgumentException("no class named '" + name + "'" + (classes.isEmpty() ? " (this model has no class names; use ids)" : ""));
        throw new IllegalArgumentException("class name '" + name + "' is ambiguous: " + hits.stream().limit(5).map(classes::get).toList());
    }

    private void checkClass(int id) {
        if (id < 0 || id >= numClasses())
            throw new IllegalArgumentException("class id " + id + " outside [0, " + numClasses() + ")");
    }

    // ------------------------------------------------------------------ latent conversions

    /** The DiT as a velocity field (first C output channels). */
    public VelocityModel velocity() { return new DiTVelocity(dit); }

    /** Autoencoder latent (B, C, h, w) -> standardised diffusion tokens (B, h*w, C). */
    public Tensor latentToTokens(Tensor latent) { return stats.normalize(Latents.toTokens(latent)); }

    /** Standardised diffusion tokens (B, T, C) -> autoencoder latent (B, C, h, w). */
    public Tensor tokensToLatent(Tensor tokens) {
        return Latents.fromTokens(stats.denormalize(tokens), gridSize(), gridSize());
    }

    /** Initial noise tokens (count, T, C) of images first..first+count-1 for {@code seed}. */
    public Tensor noise(long seed, int first, int count) {
        return new PerImageNoise(seed, first, count).normal(count, numTokens(), latentChannels());
    }

    // ------------------------------------------------------------------ encode / decode

    /**
     * Images [N, 3, S, S] in [0, 1] (S = image size) -> latents [N, C, S/16, S/16]. The residual channels are
     * rescaled with statistics of the whole batch (official match_distribution), so a latent depends on its batch.
     */
    public Tensor encode(Tensor images01) {
        if (images01.dim() != 4 || images01.size(1) != 3 || images01.size(2) != imageSize || images01.size(3) != imageSize)
            throw new IllegalArgumentException("encode needs images [N, 3, " + imageSize + ", " + imageSize + "] in [0, 1], got " + Arrays.toString(images01.shape()));
        try (var g = inference()) {
            return autoencoder.encode(SvgAutoencoder.imagenetNormalize(images01));
        }
    }

    /** Latents [N, C, h, w] -> images [N, 3, H, W] in [0, 1] (decoder output clamped to [-1, 1], then mapped). */
    public Tensor decode(Tensor latent) {
        if (latent.dim() != 4 || latent.size(1) != latentChannels())
            throw new IllegalArgumentException("decode needs latents [N, " + latentChannels() + ", h, w], got " + Arrays.toString(latent.shape()));
        try (var g = inference()) {
            Tensor out = autoencoder.decode(latent);
            return toUnit(out.toArray(), out.shape());
        }
    }

    /** clamp(x, -1, 1) then (x + 1) / 2, as the official sampling script's clamp and save_image(value_range=(-1, 1)). */
    private static Tensor toUnit(float[] d, int[] shape) {
        for (int i = 0; i < d.length; i++) {
            float v = Math.max(-1f, Math.min(1f, d[i]));
            d[i] = (v + 1f) * 0.5f;
        }
        return Tensor.of(d, shape);
    }

    /** decode(encode(images)). */
    public Tensor reconstruct(Tensor images01) { return decode(encode(images01)); }

    // ------------------------------------------------------------------ generation

    /** {@link #generate(int[], SamplerOptions, long, int, ProgressListener)} in batches of 4. */
    public Tensor generate(int[] classIds, SamplerOptions opts, long seed, ProgressListener progress) {
        return generate(classIds, opts, seed, 4, progress);
    }

    /**
     * Generates one image per entry of {@code classIds}: images [N, 3, H, W] in [0, 1]. Image i uses the noise
     * stream (seed, i), so it is the same whatever the batch size. {@code progress} gets one unit per sampler step of
     * each batch and one per decoded batch.
     */
    public Tensor generate(int[] classIds, SamplerOptions opts, long seed, int batchSize, ProgressListener progress) {
        if (classIds == null || classIds.length == 0) throw new IllegalArgumentException("nothing to generate: no class ids");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        for (int id : classIds) checkClass(id);
        SamplerOptions o = opts == null ? sampling : opts;
        checkGuidance(o);
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        int n = classIds.length, batches = (n + batchSize - 1) / batchSize, total = batches * (o.steps() + 1);
        int[] done = {0};
        List<Tensor> parts = new ArrayList<>();
        for (int first = 0; first < n; first += batchSize) {
            int count = Math.min(batchSize, n - first);
            parts.add(generateBatch(Arrays.copyOfRange(classIds, first, first + count), first, o, seed,
                    (s, steps, t, z) -> p.onProgress("sample", ++done[0], total)));
            p.onProgress("decode", ++done[0], total);
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts);
    }

    /**
     * One sampler batch of {@link #generate}: images first..first+y.length-1 of a run with {@code seed}, of classes
     * {@code y}, decoded to [y.length, 3, H, W] in [0, 1]. A distributed run (svg-spark) that cuts the run into batches
     * at the same places gets the same bytes.
     */
    public Tensor generateBatch(int[] y, int first, SamplerOptions o, long seed, StepListener listener) {
        PerImageNoise noise = new PerImageNoise(seed, first, y.length);
        Tensor z0 = noise.normal(y.length, numTokens(), latentChannels());
        Tensor tokens = sampleTokens(z0, y, o, noise, listener);
        return decode(tokensToLatent(tokens));
    }

    /**
     * Runs the sampler from given noise tokens (B, T, C) with labels {@code y}: the final standardised tokens.
     * Guidance uses the null class; {@code noise} feeds the SDE sampler.
     */
    public Tensor sampleTokens(Tensor z0, int[] y, SamplerOptions o, NoiseSource noise, StepListener listener) {
        for (int id : y) checkClass(id);
        checkGuidance(o);
        int[] yNull = null;
        if (needsNull(o)) {
            yNull = new int[y.length];
            Arrays.fill(yNull, nullClass());
        }
        try (var g = inference()) {
            return FlowSampler.sample(velocity(), z0, y, yNull, o, noise, listener).sample();
        }
    }

    private static boolean needsNull(SamplerOptions o) {
        return !(o.mode() instanceof GuidanceMode.Constant && o.cfg() == 1.0);
    }

    private void checkGuidance(SamplerOptions o) {
        if (needsNull(o) && nullClass() < 0)
            throw new IllegalArgumentException("this DiT has no null class (class_dropout_prob 0), so it cannot use guidance: set cfg 1 with constant mode");
    }

    /**
     * An interpolation strip: {@code frames} images of class {@code classId} whose initial noise moves along the
     * great circle (slerp) from the noise of (seedA, image 0) to that of (seedB, image 0).
     */
    public Tensor interpolate(int classId, long seedA, long seedB, int frames, SamplerOptions opts, ProgressListener progress) {
        if (frames < 2) throw new IllegalArgumentException("an interpolation needs at least 2 frames, got " + frames);
        checkClass(classId);
        SamplerOptions o = opts == null ? sampling : opts;
        if (o.sampler() == svg.nn.flow.SamplerKind.SDE)
            throw new IllegalArgumentException("interpolation needs a deterministic sampler (euler or heun), not sde");
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        Tensor a = noise(seedA, 0, 1), b = noise(seedB, 0, 1);
        int total = frames * (o.steps() + 1);
        int[] done = {0};
        List<Tensor> out = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            Tensor z0 = Latents.slerp(a, b, (double) f / (frames - 1));
            Tensor tokens = sampleTokens(z0, new int[]{classId}, o, null, (s, n, t, z) -> p.onProgress("sample", ++done[0], total));
            out.add(decode(tokensToLatent(tokens)));
            p.onProgress("decode", ++done[0], total);
        }
        return Tensor.cat(0, out);
    }

    // ------------------------------------------------------------------ model directory

    /** Writes the model directory: model.json, dit.safetensors, autoencoder.safetensors, stats.safetensors. */
    public void save(Path dir) throws IOException { save(dir, DType.F32); }

    /**
     * {@link #save(Path)} with the DiT and autoencoder weights stored as {@code weights} (F32, or BF16/F16 to halve
     * the files; loading widens them to float32 in memory). The latent statistics stay float32.
     */
    public void save(Path dir, DType weights) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = Map.of("format", "pt", "producer", "svg-jvm");
        Safetensors.save(dir.resolve(DIT_FILE), dit.stateDict(), meta, weights);
        Safetensors.save(dir.resolve(AE_FILE), autoencoder.stateDict(), meta, weights);
        if (featureNorm) {
            Map<String, Tensor> s = new LinkedHashMap<>();
            s.put(LatentStats.MEAN_KEY, stats.mean());
            s.put(LatentStats.STD_KEY, stats.std());
            Safetensors.save(dir.resolve(STATS_FILE), s, meta);
        } else Files.deleteIfExists(dir.resolve(STATS_FILE));
        new ModelManifest(ModelManifest.FORMAT, RecordJson.toMap(dit.config), RecordJson.toMap(autoencoder.config),
                classes, imageSize, featureNorm, sampling).write(dir.resolve(ModelManifest.FILE));
    }

    /** Loads a model directory written by {@link #save}; every weight must be present with the right shape. */
    public static SvgModel load(Path dir) throws IOException {
        Path mj = dir.resolve(ModelManifest.FILE);
        if (!Files.isRegularFile(mj))
            throw new IOException(dir + " is not a model directory: " + ModelManifest.FILE + " is missing");
        ModelManifest m = ModelManifest.read(mj);
        DiTConfig dc;
        SvgAutoencoderConfig ac;
        try {
            dc = RecordJson.fromMap(DiTConfig.class, m.dit());
            ac = RecordJson.fromMap(SvgAutoencoderConfig.class, m.autoencoder());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(mj + ": " + e.getMessage(), e);
        }
        DiT dit = new DiT(dc, null);
        loadStreaming(dit, require(dir.resolve(DIT_FILE)));
        SvgAutoencoder ae = new SvgAutoencoder(ac, null);
        loadStreaming(ae, require(dir.resolve(AE_FILE)));
        LatentStats stats = m.featureNorm() ? readStats(require(dir.resolve(STATS_FILE))) : null;
        return new SvgModel(dit, ae, stats, m.classes(), m.imageSize(), m.sampling());
    }

    private static Path require(Path p) throws IOException {
        if (!Files.isRegularFile(p)) throw new IOException("missing model file " + p);
        return p;
    }

    /** Strict load of one weights file, one tensor at a time (see {@link StreamingLoad}). */
    static void loadStreaming(Module mod, Path p) throws IOException {
        StreamingLoad.load(mod, List.of(StreamingLoad.Source.of(p)), k -> false, p.toString());
    }

    /** Latent stats from a safetensors or torch file holding dinov3_sp_mean and dinov3_sp_std. */
    public static LatentStats readStats(Path p) throws IOException {
        Map<String, Tensor> s = TensorFiles.loadStateDict(p, null);
        Tensor mean = s.get(LatentStats.MEAN_KEY), std = s.get(LatentStats.STD_KEY);
        if (mean == null || std == null)
            throw new IOException(p + " must hold '" + LatentStats.MEAN_KEY + "' and '" + LatentStats.STD_KEY + "', found " + s.keySet());
        return new LatentStats(mean, std);
    }

    // ------------------------------------------------------------------ official files

    /**
     * Assembles a model from the official release files:
     *
     * @param ditCheckpoint    train_svg.py checkpoint (.pt with {"ema": ...} and/or {"model": ...}; EMA preferred)
     * @param autoencoderCkpt  the Lightning autoencoder checkpoint (.ckpt, {"state_dict": {encoder.*, extra_vit.*,
     *                         decoder.*, loss.* ...}}); training-only {@code loss.*} tensors are ignored
     * @param dinoWeights      DINOv3 weights (e.g. dinov3_vits16plus_pretrain_lvd1689m-4057cbaa.pth), used for the
     *                         {@code encoder.*} tensors when the .ckpt lacks them; may be null otherwise
     * @param statsFile        dinov3_sp_stats.pt, or null for no feature normalisation
     */
    public static SvgModel fromOfficial(Path ditCheckpoint, DiTConfig ditConfig, Path autoencoderCkpt,
                                        SvgAutoencoderConfig aeConfig, Path dinoWeights, Path statsFile,
                                        List<String> classes, int imageSize, SamplerOptions sampling) throws IOException {
        DiT dit = new DiT(ditConfig, null);
        // one tensor at a time from every file: the peak is the model plus one tensor, not plus the checkpoints
        loadStreaming(dit, require(ditCheckpoint));

        SvgAutoencoder ae = new SvgAutoencoder(aeConfig, null);
        require(autoencoderCkpt);
        boolean hasDino = TensorFiles.describe(autoencoderCkpt).stream().anyMatch(t -> t.name().startsWith("encoder."));
        List<StreamingLoad.Source> sources = new ArrayList<>();
        // training-only loss.* tensors are skipped; separate DINOv3 weights replace the checkpoint's encoder.*
        sources.add(new StreamingLoad.Source(autoencoderCkpt, null,
                k -> k.startsWith("loss.") || (dinoWeights != null && k.startsWith("encoder.")) ? null : k));
        if (dinoWeights != null) sources.add(new StreamingLoad.Source(require(dinoWeights), null, k -> "encoder." + k));
        else if (!hasDino)
            throw new IllegalArgumentException(autoencoderCkpt + " holds no DINOv3 encoder.* weights: pass the DINOv3 weights file");
        // norm_vit is created but never used by the official model, and mask_token only acts in training
        StreamingLoad.load(ae, sources, k -> k.startsWith("norm_vit.") || k.equals("mask_token"), "autoencoder weights");
        LatentStats stats = statsFile == null ? null : readStats(require(statsFile));
        return new SvgModel(dit, ae, stats, classes, imageSize, sampling);
    }
}
