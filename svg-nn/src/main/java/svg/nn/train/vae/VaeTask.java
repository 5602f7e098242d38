package svg.nn.train.vae;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.data.Batch;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.nn.train.autoencoder.AdversarialLoss;
import svg.nn.train.autoencoder.AutoencoderLossConfig;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * KL-VAE baseline training, with the SVG autoencoder's loss recipe so that the two latents are compared with equal
 * decoders and equal losses (LDM's LPIPSWithDiscriminator, KL term included):
 * <pre>
 *   rec  = decoder(z),  z ~ q(z | x) (reparameterised, noise from the trainer's rng)
 *   nll  = |rec - x|_1 + w_p * mse(enc(rec), enc(x))       enc = a frozen SSL encoder's patch features (optional)
 *   loss = nll + klWeight * KL(q || N(0, I)) + lambda * w_d * (-mean D(rec))   after discStart (optional)
 * </pre>
 * The adaptive GAN weight lambda balances the GAN against the nll only, as in LDM (the KL gradient does not pass
 * through the reconstruction). Without a loss config it is L1 + KL.
 */
public final class VaeTask implements TrainTask {
    private final KlVae vae;
    private final double klWeight;
    /** Frozen SSL encoder for the perceptual term, or null. */
    private final DinoVisionTransformer perceptual;
    private final double perceptualWeight;
    /** The PatchGAN term, or null. */
    private final AdversarialLoss gan;
    private final String recipe;

    /** L1 + klWeight * KL. */
    public VaeTask(KlVae vae, double klWeight) { this(vae, klWeight, null, null, null); }

    /**
     * @param lc         perceptual and GAN weights, GAN start and discriminator settings; null = L1 + KL only
     * @param perceptual frozen SSL encoder taking the VAE's images (its img_size equals theirs); null = no perceptual term
     * @param rng        the discriminator's initial weights (used only when lc has a GAN weight)
     */
    public VaeTask(KlVae vae, double klWeight, AutoencoderLossConfig lc, DinoVisionTransformer perceptual, Rng rng) {
        this.vae = vae;
        this.klWeight = klWeight;
        this.perceptual = perceptual;
        this.perceptualWeight = lc == null || perceptual == null ? 0 : lc.perceptualWeight();
        this.gan = lc != null && lc.discWeight() > 0 ? new AdversarialLoss(lc, rng) : null;
        if (perceptual != null) {
            int s = perceptual.config.img_size();
            if (s != vae.config.image_size())
                throw new IllegalArgumentException("the perceptual encoder takes " + s + " px images but the VAE " + vae.config.image_size() + " px");
            // frozen: out of the optimiser, no gradient into its weights (only through its input, to rec)
            perceptual.eval();
            perceptual.freeze();
        }
        this.recipe = "l1" + (perceptualWeight > 0 ? " + " + perceptualWeight + " * encoder-features" : "") + " + " + klWeight + " * kl"
                + (gan != null ? " + adaptive * " + lc.discWeight() + " * patchgan from step " + lc.discStart() : "");
        vae.train();
    }

    @Override public String name() { return "vae"; }

    @Override public Map<String, Tensor> parameters() { return vae.namedParameters(); }

    /** Patch features [B, N, D] of [-1, 1] images through the frozen encoder. */
    private Tensor features(Tensor img) {
        return perceptual.forwardFeatures(SvgAutoencoder.toDinoInput(img)).x_norm_patchtokens();
    }

    private Tensor nll(Tensor rec, Tensor x, Tensor targetFeats, Map<String, Double> logs) {
        Tensor l1 = rec.sub(x).abs().mean();
        logs.put("loss_l1", (double) l1.item());
        if (perceptualWeight <= 0) return l1;
        Tensor p = features(rec).sub(targetFeats).square().mean();
        logs.put("loss_perceptual", (double) p.item());
        return l1.add(p.mul((float) perceptualWeight));
    }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        Tensor x01 = batch.images();
        if (x01.size(1) == 1) x01 = x01.expand(x01.size(0), 3, x01.size(2), x01.size(3)).contiguous();
        Tensor x = x01.mul(2f).sub(1f);
        KlVae.Posterior q = vae.encode(x);
        Tensor rec = vae.decode(q.sample(rng));
        Tensor kl = q.kl();
        Map<String, Double> logs = new LinkedHashMap<>();
        Tensor targetFeats = null;
        if (perceptualWeight > 0) {
            try (var g = GradMode.noGrad()) {
                targetFeats = features(x);
            }
        }
        Tensor tf = targetFeats;
        if (gan == null) {
            Tensor n = nll(rec, x, tf, logs);
            logs.put("loss_kl", (double) kl.item());
            return new StepOutput(n.add(kl.mul((float) klWeight)), logs);
        }
        AdversarialLoss.Objective o = gan.objective(rec, x, step, (r, l) -> nll(r, x, tf, l), logs);
        logs.put("loss_kl", (double) kl.item());
        double value = o.value() + klWeight * kl.item();
        return new StepOutput(o.loss().add(kl.mul((float) klWeight)), logs, value);
    }

    @Override
    public void afterUpdate(Batch lastBatch, Rng rng, long step) {
        if (gan != null) gan.discriminatorStep(step);
    }

    @Override
    public Map<String, Tensor> state() { return gan == null ? Map.of() : gan.state(); }

    @Override
    public void loadState(Map<String, Tensor> saved) {
        if (gan != null) gan.loadState(saved);
    }

    @Override
    public Map<String, String> metadata() { return Map.of("loss", recipe, "vae_config", vae.config.toString()); }
}
