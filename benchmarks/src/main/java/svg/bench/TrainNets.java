package svg.bench;

import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.flow.RectifiedFlowLoss;
import svg.nn.optim.Adam;
import svg.nn.optim.Params;
import svg.nn.pipeline.RecordJson;
import svg.nn.train.dit.DitTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The two networks of a training-step benchmark, read from a model's config rather than hard-coded: the autoencoder's
 * decoder ({@code ddconfig} of an {@code autoencoder_config.json}, or of a {@code model.json}'s "autoencoder") and a
 * DiT on that autoencoder's latent (its grid and channels; hidden size, depth and heads from a {@code model.json}'s
 * "dit" when there is one, else given). One training step = zero the gradients, forward, backward, AdamW update;
 * the DiT's loss is the rectified-flow velocity MSE, the decoder's an L1 reconstruction loss (the L1 term of its
 * training recipe; perceptual and adversarial terms are other networks).
 *
 * <p>Used by {@link TrainStepBench} (against benchmarks/train_step_torch.py) and the JMH {@link TrainStepJmh}.
 */
public final class TrainNets {
    /**
     * The default: the built-in model (its own DiT and its autoencoder's decoder, as issue 12 asks). Until
     * 2026-12-06 it was the autoencoder stage with a hidden-128 DiT ({@code --model models/stages/autoencoder}
     * gives that again).
     */
    public static final String DEFAULT_MODEL = "models/default";
    /** Batch sizes of the benchmark (as in its earlier versions). */
    public static final int DIT_BATCH = 64, DECODER_BATCH = 32;

    public final DiTConfig dit;
    public final DecoderConfig decoder;
    public final String source;

    public TrainNets(DiTConfig dit, DecoderConfig decoder, String source) {
        this.dit = dit;
        this.decoder = decoder;
        this.source = source;
    }

    /**
     * Reads {@code path} (a directory holding autoencoder_config.json or model.json, or such a file). The DiT's hidden
     * size, depth and heads come from the file's "dit" section when it has one, else from the arguments; its grid and
     * channels always come from the autoencoder's latent.
     */
    public static TrainNets load(Path path, int hidden, int depth, int heads, int classes) throws IOException {
        Path f = path;
        if (Files.isDirectory(path)) {
            f = path.resolve("autoencoder_config.json");
            if (!Files.isRegularFile(f)) f = path.resolve("model.json");
        }
        if (!Files.isRegularFile(f)) throw new IOException("no autoencoder_config.json or model.json in " + path);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(f));
        Object ae = json.containsKey("autoencoder") ? json.get("autoencoder") : json;
        DecoderConfig dec = RecordJson.fromMap(SvgAutoencoderConfig.class, ae).ddconfig();
        DiTConfig d;
        if (json.get("dit") != null) {
            DiTConfig m = RecordJson.fromMap(DiTConfig.class, json.get("dit"));
            d = new DiTConfig(dec.latentResolution(), 1, dec.z_channels(), m.hidden_size(), m.depth(), m.num_heads(),
                    m.mlp_ratio(), m.class_dropout_prob(), m.num_classes(), m.learn_sigma(), m.head_dim(), m.qk_norm());
        } else {
            d = new DiTConfig(dec.latentResolution(), 1, dec.z_channels(), hidden, depth, heads, 4.0, 0.1, classes, true, 0, true);
        }
        return new TrainNets(d, dec, f.toString());
    }

    /** Parameter counts of the networks last built by ditStep / decoderStep. */
    public long ditParams, decoderParams;

    public int tokens() { return dit.input_size() * dit.input_size(); }

    public String ditLabel() {
        return String.format(Locale.ROOT, "DiT step (hidden %d, depth %d, heads %d, %dx%d tokens x %d ch, batch %d)",
                dit.hidden_size(), dit.depth(), dit.num_heads(), dit.input_size(), dit.input_size(), dit.in_channels(), DIT_BATCH);
    }

    public String decoderLabel() {
        int lat = decoder.latentResolution();
        return String.format(Locale.ROOT, "decoder step (ch %d, mult %s, res blocks %d, %dx%dx%d -> %dx%d, batch %d, L1)",
                decoder.ch(), join(decoder.ch_mult()), decoder.num_res_blocks(), lat, lat, decoder.z_channels(),
                decoder.resolution(), decoder.resolution(), DECODER_BATCH);
    }

    /** The same architecture as arguments of benchmarks/train_step_torch.py. */
    public String torchArgs() {
        return String.format(Locale.ROOT,
                "--grid %d --channels %d --hidden %d --depth %d --heads %d --mlp-ratio %s --classes %d --learn-sigma %d "
                        + "--qk-norm %d --dit-batch %d --ch %d --ch-mult %s --res-blocks %d --attn-res %s --resolution %d --decoder-batch %d",
                dit.input_size(), dit.in_channels(), dit.hidden_size(), dit.depth(), dit.num_heads(), dit.mlp_ratio(),
                dit.num_classes(), dit.learn_sigma() ? 1 : 0, dit.qk_norm() ? 1 : 0, DIT_BATCH, decoder.ch(),
                join(decoder.ch_mult()), decoder.num_res_blocks(),
                decoder.attn_resolutions().length == 0 ? "none" : join(decoder.attn_resolutions()), decoder.resolution(), DECODER_BATCH);
    }

    private static String join(int[] a) { return Arrays.stream(a).mapToObj(Integer::toString).collect(Collectors.joining(",")); }

    /** One DiT training step per run(): random latents and labels fixed at construction, a fresh noise draw per step. */
    public Runnable ditStep(Rng rng) {
        DiT net = new DiT(dit, rng);
        net.train();
        ditParams = net.numParameters();
        Adam opt = Adam.adamW(net.namedParameters(), 0);
        Tensor x1 = Tensor.randn(rng, DIT_BATCH, tokens(), dit.in_channels());
        int[] y = new int[DIT_BATCH];
        for (int i = 0; i < DIT_BATCH; i++) y[i] = i % dit.num_classes();
        return () -> {
            Params.zeroGrad(net.namedParameters());
            RectifiedFlowLoss.compute(DitTask.velocity(net), x1, y, 0.4, rng).loss().backward();
            opt.step(1e-4, 1);
        };
    }

    /** One decoder training step per run(): L1 between decode(z) and a fixed random target. */
    public Runnable decoderStep(Rng rng) {
        Decoder net = new Decoder(decoder, rng);
        net.train();
        decoderParams = net.numParameters();
        Adam opt = Adam.adamW(net.namedParameters(), 0);
        int lat = decoder.latentResolution();
        Tensor z = Tensor.randn(rng, DECODER_BATCH, decoder.z_channels(), lat, lat);
        Tensor target = Tensor.rand(rng, -1, 1, DECODER_BATCH, decoder.out_ch(), decoder.resolution(), decoder.resolution());
        return () -> {
            Params.zeroGrad(net.namedParameters());
            net.forward(z).sub(target).abs().mean().backward();
            opt.step(1e-4, 1);
        };
    }
}
