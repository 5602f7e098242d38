package svg.nn.train.vae;

import svg.nn.data.Batch;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** KL-VAE baseline training: L1 reconstruction (in [-1, 1]) + klWeight * KL, reparameterised sampling from the rng. */
public final class VaeTask implements TrainTask {
    private final KlVae vae;
    private final double klWeight;

    public VaeTask(KlVae vae, double klWeight) {
        this.vae = vae;
        this.klWeight = klWeight;
        vae.train();
    }

    @Override public String name() { return "vae"; }

    @Override public Map<String, Tensor> parameters() { return vae.namedParameters(); }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        Tensor x01 = batch.images();
        if (x01.size(1) == 1) x01 = x01.expand(x01.size(0), 3, x01.size(2), x01.size(3)).contiguous();
        Tensor x = x01.mul(2f).sub(1f);
        KlVae.Posterior q = vae.encode(x);
        Tensor rec = vae.decode(q.sample(rng));
        Tensor l1 = rec.sub(x).abs().mean(), kl = q.kl();
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss_l1", (double) l1.item());
        logs.put("loss_kl", (double) kl.item());
        return new StepOutput(l1.add(kl.mul((float) klWeight)), logs);
    }
}
