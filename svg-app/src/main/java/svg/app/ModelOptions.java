package svg.app;

import picocli.CommandLine.Option;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.dit.DiTConfig;
import svg.nn.module.Bf16Weights;
import svg.nn.pipeline.ModelManifest;
import svg.nn.pipeline.RecordJson;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Tensor;
import svg.tensor.io.UnsafePickleException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which model a command runs: {@code --model DIR} (a model directory: model.json, dit/autoencoder/stats
 * safetensors), else the built-in default model. {@code --dit}, {@code --autoencoder}, {@code --dino},
 * {@code --stats} replace single files (e.g. the official .pt/.ckpt releases); the configurations still come from
 * the directory's model.json.
 */
public final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR", description = "Model directory (model.json + weights). Default: the built-in model, models/default.")
    Path model;

    @Option(names = "--dit", paramLabel = "FILE", description = "DiT weights (.safetensors, or an official train_svg.py .pt; EMA preferred).")
    Path dit;

    @Option(names = "--autoencoder", paramLabel = "FILE", description = "Autoencoder weights (.safetensors or the official Lightning .ckpt).")
    Path autoencoder;

    @Option(names = "--dino", paramLabel = "FILE", description = "DINOv3 weights, when the autoencoder file lacks the encoder.* tensors.")
    Path dino;

    @Option(names = "--stats", paramLabel = "FILE", description = "Latent statistics (dinov3_sp_stats.pt or .safetensors).")
    Path stats;

    @Option(names = "--bf16", description = "Keep the Linear and Conv2d weights (over 99%% of the parameters) in memory as bfloat16: half the weight memory; arithmetic stays float32.")
    boolean bf16;

    /** The model folder in use (for messages); null when no --model is given and the default model is missing. */
    public Path directory() {
        return model != null ? model : ModelLocator.defaultModelDir();
    }

    /** The options as given on the command line, for showing an equivalent command ({@code svg serve}). */
    public List<String> commandArgs() {
        List<String> a = new ArrayList<>();
        if (model != null) a.addAll(List.of("--model", model.toString()));
        if (dit != null) a.addAll(List.of("--dit", dit.toString()));
        if (autoencoder != null) a.addAll(List.of("--autoencoder", autoencoder.toString()));
        if (dino != null) a.addAll(List.of("--dino", dino.toString()));
        if (stats != null) a.addAll(List.of("--stats", stats.toString()));
        if (bf16) a.add("--bf16");
        return a;
    }

    public SvgModel load() throws IOException {
        Path dir = directory();
        if (model != null) {
            if (!Files.exists(model)) throw new CliException("--model " + model + " not found");
            if (!Files.isDirectory(model)) throw new CliException("--model " + model + " is not a folder (a model directory holds " + ModelManifest.FILE + " and safetensors files)");
        }
        if (dir == null)
            throw new CliException("no model given and the built-in default model is missing (expected at "
                    + ModelLocator.expectedLocation() + "); pass --model DIR");
        boolean explicit = dit != null || autoencoder != null || dino != null || stats != null;
        SvgModel m;
        // inside the scope the networks are built with bfloat16 weight matrices and loading rounds into them, so
        // no float32 copy of the model is ever held
        try (var precision = bf16 ? Bf16Weights.scope() : null) {
            if (!explicit) {
                m = SvgModel.load(dir);
            } else {
                Path mj = dir.resolve(ModelManifest.FILE);
                if (!Files.isRegularFile(mj)) throw new CliException(dir + " has no " + ModelManifest.FILE + " (needed for the model configuration)");
                ModelManifest man = ModelManifest.read(mj);
                DiTConfig dc = RecordJson.fromMap(DiTConfig.class, man.dit());
                SvgAutoencoderConfig ac = RecordJson.fromMap(SvgAutoencoderConfig.class, man.autoencoder());
                Path d = dit != null ? dit : dir.resolve(SvgModel.DIT_FILE);
                Path a = autoencoder != null ? autoencoder : dir.resolve(SvgModel.AE_FILE);
                Path s = stats != null ? stats : man.featureNorm() ? dir.resolve(SvgModel.STATS_FILE) : null;
                TensorFileKind.requireFile(d, "DiT weights");
                TensorFileKind.requireFile(a, "autoencoder weights");
                if (dino != null) TensorFileKind.requireFile(dino, "DINOv3 weights");
                if (s != null) TensorFileKind.requireFile(s, "latent statistics");
                m = SvgModel.fromOfficial(d, dc, a, ac, dino, s, man.classes(), man.imageSize(), man.sampling());
            }
        } catch (UnsafePickleException e) {
            throw new CliException("refusing a checkpoint that names the Python global " + e.global() + " (nothing was executed): " + e.getMessage(), e);
        }
        return m;
    }

    /** "weights 8.3 MB float32" or "weights 4.4 MB (bfloat16 matrices)": what the loaded networks hold in memory. */
    public static String weightsSummary(SvgModel m) {
        long bytes = Bf16Weights.bytes(m.dit()) + Bf16Weights.bytes(m.autoencoder());
        boolean bf = m.dit().parameters().stream().anyMatch(Tensor::isBf16);
        return String.format(java.util.Locale.ROOT, "weights %.1f MB %s", bytes / 1e6, bf ? "(bfloat16 matrices)" : "float32");
    }
}
