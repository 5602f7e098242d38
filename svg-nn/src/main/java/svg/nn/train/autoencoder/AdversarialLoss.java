package svg.nn.train.autoencoder;

import svg.nn.optim.Adam;
import svg.nn.optim.Params;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The PatchGAN half of LDM's LPIPSWithDiscriminator, shared by the SVG autoencoder and the KL-VAE baseline so both
 * are trained with the same recipe:
 * <pre>
 *   loss   = nll(rec) + lambda * w_d * (-mean D(rec))          after discStart (hinge GAN)
 *   lambda = ||d nll / d rec|| / (||d g / d rec|| + 1e-4), clamped to [0, 1e4]
 * </pre>
 * The adaptive weight takes its gradients at the decoder OUTPUT rather than at the decoder's last weight (see
 * {@link AutoencoderTask}): only the cheap loss heads run twice. The discriminator, its Adam state and its step
 * count are checkpointed through {@link #state()} (keys disc.*, disc_optim.*, disc_steps).
 */
public final class AdversarialLoss {
    /** The reconstruction loss of a reconstruction (logging its terms into {@code logs}). */
    public interface Nll {
        Tensor apply(Tensor rec, Map<String, Double> logs);
    }

    /**
     * @param loss  what to back-propagate: the nll itself, or (GAN on) the surrogate sum(rec * combined gradient)
     * @param value the true objective nll + lambda * w_d * g
     */
    public record Objective(Tensor loss, double value) {}

    private final AutoencoderLossConfig lc;
    private final PatchDiscriminator disc;
    private final Adam discOpt;
    private final Tensor discSteps = Tensor.zeros(1);
    private Tensor lastRecon, lastTarget;

    /** Draws the discriminator's initial weights from {@code rng}. */
    public AdversarialLoss(AutoencoderLossConfig lc, Rng rng) {
        this.lc = lc;
        this.disc = new PatchDiscriminator(lc.discChannels(), rng);
        this.discOpt = new Adam(disc.parameters(), new Adam.Config(0.5, 0.9, 1e-8, 0, false), null);
    }

    public boolean on(long step) { return lc.discWeight() > 0 && step >= lc.discStart(); }

    /** rec and x: [-1, 1] images [B, 3, H, W]; rec carries the generator's graph. Remembers both for {@link #discriminatorStep}. */
    public Objective objective(Tensor rec, Tensor x, long step, Nll nll, Map<String, Double> logs) {
        lastTarget = x;
        lastRecon = rec.detach();
        if (!on(step)) {
            Tensor n = nll.apply(rec, logs);
            return new Objective(n, n.item());
        }
        Tensor r = Tensor.of(rec.toArray(), rec.shape()).requiresGrad(true);
        Tensor n = nll.apply(r, logs);
        n.backward();
        Tensor gN = r.grad();
        r.zeroGrad();
        Tensor g = disc.forward(r).mean().neg();
        g.backward();
        Tensor gG = r.grad();
        Params.zeroGrad(disc.parameters());
        double lambda = Math.min(1e4, Math.max(0, norm(gN) / (norm(gG) + 1e-4))) * lc.discWeight();
        Tensor total = gN.add(gG.mul((float) lambda));
        logs.put("loss_g", (double) g.item());
        logs.put("adaptive_weight", lambda);
        return new Objective(rec.mul(total).sum(), n.item() + lambda * g.item());
    }

    private static double norm(Tensor t) {
        double s = 0;
        for (float v : t.toArray()) s += (double) v * v;
        return Math.sqrt(s);
    }

    /** Discriminator hinge update on the last batch: mean(relu(1 - D(x))) + mean(relu(1 + D(rec))), halved. */
    public void discriminatorStep(long step) {
        if (!on(step)) return;
        Params.zeroGrad(disc.parameters());
        Tensor real = disc.forward(lastTarget), fake = disc.forward(lastRecon);
        Tensor d = real.rsub(1f).relu().mean().add(fake.add(1f).relu().mean()).mul(0.5f);
        d.backward();
        discOpt.step(lc.discLr(), 1.0);
        Params.zeroGrad(disc.parameters());
        discSteps.data()[0] = discOpt.steps();
    }

    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        disc.parameters().forEach((k, v) -> s.put("disc." + k, v));
        discOpt.state().forEach((k, v) -> s.put("disc_optim." + k, v));
        s.put("disc_steps", discSteps);
        return s;
    }

    public void loadState(Map<String, Tensor> saved) {
        Map<String, Tensor> d = new LinkedHashMap<>(), o = new LinkedHashMap<>();
        saved.forEach((k, v) -> {
            if (k.startsWith("disc_optim.")) o.put(k.substring(11), v);
            else if (k.startsWith("disc.")) d.put(k.substring(5), v);
        });
        Params.assign(disc.parameters(), d);
        Tensor st = saved.get("disc_steps");
        if (st == null) throw new IllegalArgumentException("the checkpoint has no disc_steps (it was saved without the GAN loss)");
        long steps = (long) st.item();
        discOpt.load(o, steps);
        discSteps.data()[0] = steps;
    }
}
