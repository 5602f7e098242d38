package svg.nn.train.autoencoder;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.data.Batch;
import svg.nn.lpips.Lpips;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trains SVG's residual encoder and decoder with the SSL encoder frozen:
 * <pre>
 *   rec = decoder(cat(h_dino, match_distribution(h_dino, extra_vit(x_dino) or mask_token)))
 *   nll = |rec - x|_1 + w_p * mse(dino(rec), dino(x))      or, with user-supplied LPIPS weights,
 *   nll = |rec - x|_1 + w_p * mean LPIPS(x, rec)           (LDM's LPIPSWithDiscriminator)
 *   loss = nll + lambda * w_d * (-mean D(rec))       after discStart (hinge GAN)
 *   lambda = ||d nll / d rec|| / (||d g / d rec|| + 1e-4), clamped to [0, 1e4]
 * </pre>
 * The adaptive weight follows LDM's calculate_adaptive_weight, but with gradients taken at the decoder OUTPUT
 * rather than at its last layer's weight: that needs no second pass through the decoder, only through the
 * (cheap) loss heads. The decoder then back-propagates the combined output gradient through a surrogate
 * sum(rec * g), and the reported loss is the true objective.
 */
public final class AutoencoderTask implements TrainTask {
    private final SvgAutoencoder ae;
    private final AutoencoderLossConfig lc;
    private final AdversarialLoss gan;
    /** LPIPS for the perceptual term; null = the frozen encoder's feature MSE. */
    private final Lpips lpips;
    private final Map<String, Tensor> params = new LinkedHashMap<>();

    public AutoencoderTask(SvgAutoencoder ae, AutoencoderLossConfig lc, Rng rng) { this(ae, lc, rng, null); }

    /** @param lpips perceptual metric for the loss, or null for the frozen encoder's feature MSE */
    public AutoencoderTask(SvgAutoencoder ae, AutoencoderLossConfig lc, Rng rng, Lpips lpips) {
        this.ae = ae;
        this.lc = lc;
        this.lpips = lpips;
        ae.train();
        ae.namedParameters().forEach((k, v) -> {
            // the frozen encoder stays out of the optimiser; norm_vit is created but unused, as officially
            if (!k.startsWith("encoder.") && !k.startsWith("norm_vit.")) params.put(k, v);
        });
        this.gan = new AdversarialLoss(lc, rng);
    }

    @Override public String name() { return "autoencoder"; }

    @Override public Map<String, Tensor> parameters() { return params; }

    public SvgAutoencoder model() { return ae; }

    /** Patch features [B, N, D] of [-1, 1] images through the frozen encoder. */
    private Tensor features(Tensor img) {
        return ae.encoder.forwardFeatures(SvgAutoencoder.toDinoInput(img)).x_norm_patchtokens();
    }

    private Tensor nll(Tensor rec, Tensor x, Tensor targetFeats, Map<String, Double> logs) {
        Tensor l1 = rec.sub(x).abs().mean();
        logs.put("loss_l1", (double) l1.item());
        if (lc.perceptualWeight() <= 0) return l1;
        // LDM: perceptual_loss(inputs, reconstructions), one value per image, averaged over the batch
        Tensor p = lpips != null ? lpips.distance(x, rec).mean() : features(rec).sub(targetFeats).square().mean();
        logs.put("loss_perceptual", (double) p.item());
        return l1.add(p.mul((float) lc.perceptualWeight()));
    }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        Tensor x01 = batch.images();
        if (x01.size(1) == 1) x01 = x01.expand(x01.size(0), 3, x01.size(2), x01.size(3)).contiguous();
        Tensor x = x01.mul(2f).sub(1f);
        SvgAutoencoder.Encoding enc = ae.encodeDetailed(SvgAutoencoder.imagenetNormalize(x01), rng);
        Tensor rec = ae.decode(enc.latent(), rng); // dropout (residual ViT, decoder) and masks come from the trainer's rng
        Tensor targetFeats = enc.h_dino().permute(0, 2, 1).detach(); // the encoder's features of x: [B, N, D]
        Map<String, Double> logs = new LinkedHashMap<>();
        AdversarialLoss.Objective o = gan.objective(rec, x, step, (r, l) -> nll(r, x, targetFeats, l), logs);
        return gan.on(step) ? new StepOutput(o.loss(), logs, o.value()) : new StepOutput(o.loss(), logs);
    }

    /** Discriminator hinge update on the last batch (see {@link AdversarialLoss#discriminatorStep}). */
    @Override
    public void afterUpdate(Batch lastBatch, Rng rng, long step) { gan.discriminatorStep(step); }

    @Override
    public Map<String, Tensor> state() { return gan.state(); }

    @Override
    public void loadState(Map<String, Tensor> saved) { gan.loadState(saved); }

    @Override
    public Map<String, String> metadata() {
        var v = ae.config.extra_vit();
        String dropout = (v == null ? "" : "extra_vit dropout=" + v.dropout() + " attention_dropout=" + v.attention_dropout() + ", ")
                + "ddconfig dropout=" + ae.config.ddconfig().dropout();
        return Map.of("loss_config", lc.toString(), "perceptual", lpips != null ? "lpips-vgg" : "encoder-features", "dropout", dropout);
    }
}
