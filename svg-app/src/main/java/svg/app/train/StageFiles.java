package svg.app.train;

import svg.app.CliException;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.pipeline.ImageGenerator;
import svg.nn.pipeline.RecordJson;
import svg.nn.pipeline.SvgModel;
import svg.nn.train.vae.KlVae;
import svg.nn.train.vae.VaeConfig;
import svg.nn.train.vae.VaeDitModel;
import svg.tensor.io.Json;
import svg.tensor.io.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The hand-over files between training stages: weights (official state-dict keys) + config JSON. */
final class StageFiles {
    static final String SSL_WEIGHTS = "ssl_encoder.safetensors", SSL_CONFIG = "ssl_config.json";
    static final String AE_WEIGHTS = "autoencoder.safetensors", AE_CONFIG = "autoencoder_config.json";
    static final String VAE_WEIGHTS = "vae.safetensors", VAE_CONFIG = "vae_config.json";

    private StageFiles() {}

    static void saveEncoder(Path dir, DinoVisionTransformer vit, DinoV3Config cfg) throws IOException {
        Safetensors.save(dir.resolve(SSL_WEIGHTS), vit.stateDict(), Map.of("model", "dinov3-vit", "config", Json.writeCompact(RecordJson.toMap(cfg))));
        saveEncoderConfig(dir, cfg);
    }

    /** Written when SSL training starts, so its checkpoints can be used before it ends. */
    static void saveEncoderConfig(Path dir, DinoV3Config cfg) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(SSL_CONFIG), Json.write(RecordJson.toMap(cfg)) + "\n");
    }

    static DinoV3Config readEncoderConfig(Path dir) throws IOException {
        Path f = dir.resolve(SSL_CONFIG);
        if (!Files.isRegularFile(f)) throw new CliException("no " + SSL_CONFIG + " in " + dir + " (run `svg train ssl --out " + dir + "` first)");
        return RecordJson.fromMap(DinoV3Config.class, Json.parse(Files.readString(f)));
    }

    /**
     * The SSL encoder of {@code dir}: the exported {@value #SSL_WEIGHTS} when the run has finished, else the backbone
     * in its latest checkpoint (the DINO teacher, or the contrastive student), so a running or interrupted run can be
     * probed and built on.
     */
    static void loadEncoder(Path dir, DinoVisionTransformer vit) throws IOException {
        Path weights = dir.resolve(SSL_WEIGHTS), ckpt = dir.resolve("checkpoint.safetensors");
        if (Files.isRegularFile(weights) || !Files.isRegularFile(ckpt)) {
            vit.loadStateDict(Safetensors.load(weights));
            return;
        }
        Map<String, svg.tensor.Tensor> all = Safetensors.load(ckpt), backbone = new java.util.LinkedHashMap<>();
        String prefix = all.keySet().stream().anyMatch(k -> k.startsWith("state.teacher.backbone.")) ? "state.teacher.backbone." : "model.backbone.";
        all.forEach((k, v) -> { if (k.startsWith(prefix)) backbone.put(k.substring(prefix.length()), v); });
        if (backbone.isEmpty()) throw new CliException(ckpt + " holds no SSL backbone (keys " + prefix + "*)");
        // a checkpoint holds parameters only; the buffers (RoPE periods, the k-bias mask) are fixed by the config
        vit.stateDict().forEach((k, v) -> { if (!vit.namedParameters().containsKey(k)) backbone.putIfAbsent(k, v); });
        System.err.println("note: " + dir + " has no " + SSL_WEIGHTS + " yet; using the backbone of its latest checkpoint (" + prefix + "*)");
        vit.loadStateDict(backbone);
    }

    static void saveAutoencoder(Path dir, SvgAutoencoder ae) throws IOException {
        Safetensors.save(dir.resolve(AE_WEIGHTS), ae.stateDict(), Map.of("model", "svg-autoencoder", "config", Json.writeCompact(RecordJson.toMap(ae.config))));
        Files.writeString(dir.resolve(AE_CONFIG), Json.write(RecordJson.toMap(ae.config)) + "\n");
    }

    static SvgAutoencoder loadAutoencoder(Path dir) throws IOException {
        Path f = dir.resolve(AE_CONFIG);
        if (!Files.isRegularFile(f)) throw new CliException("no " + AE_CONFIG + " in " + dir + " (run `svg train autoencoder --out " + dir + "` first)");
        SvgAutoencoderConfig c = RecordJson.fromMap(SvgAutoencoderConfig.class, Json.parse(Files.readString(f)));
        SvgAutoencoder ae = new SvgAutoencoder(c, null);
        ae.loadStateDict(Safetensors.load(dir.resolve(AE_WEIGHTS)));
        return ae;
    }

    /** Written when VAE training starts (the network is fixed by it), so the directory is recognised before it ends. */
    static void saveVaeConfig(Path dir, VaeConfig c) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(VAE_CONFIG), Json.write(RecordJson.toMap(c)) + "\n");
    }

    static void saveVae(Path dir, KlVae vae) throws IOException {
        Safetensors.save(dir.resolve(VAE_WEIGHTS), vae.stateDict(), Map.of("model", "kl-vae-baseline", "config", Json.writeCompact(RecordJson.toMap(vae.config))));
        saveVaeConfig(dir, vae.config);
    }

    /** The KL-VAE of an `svg train vae` output, in eval mode. */
    static KlVae loadVae(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new CliException("VAE directory not found: " + dir);
        Path f = dir.resolve(VAE_CONFIG), w = dir.resolve(VAE_WEIGHTS);
        if (!Files.isRegularFile(f)) throw new CliException("no " + VAE_CONFIG + " in " + dir + " (run `svg train vae --out " + dir + "` first)");
        if (!Files.isRegularFile(w)) throw new CliException("no " + VAE_WEIGHTS + " in " + dir + " (its `svg train vae` run has not finished)");
        KlVae vae;
        try {
            vae = new KlVae(RecordJson.fromMap(VaeConfig.class, Json.parse(Files.readString(f))), null);
            vae.loadStateDict(Safetensors.load(w));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException(dir + " is not a loadable `svg train vae` output: " + e.getMessage(), e);
        }
        vae.eval();
        return vae;
    }

    /** A model directory of either kind: SVG (svg-jvm-model/1) or the VAE baseline's (svg-jvm-vae-model/1), by its format. */
    static ImageGenerator loadModel(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new CliException("model directory not found: " + dir);
        return VaeDitModel.FORMAT.equals(VaeDitModel.format(dir)) ? VaeDitModel.load(dir) : SvgModel.load(dir);
    }
}
