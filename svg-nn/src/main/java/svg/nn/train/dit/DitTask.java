package svg.nn.train.dit;

import svg.nn.data.Batch;
import svg.nn.dit.DiT;
import svg.nn.flow.RectifiedFlowLoss;
import svg.nn.flow.VelocityModel;
import svg.nn.optim.Ema;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rectified-flow training of the DiT on (normalised) latent tokens, as train_svg.py: labels are replaced by the
 * null class with probability {@code labelDropout} (for classifier-free guidance), the loss is
 * {@link RectifiedFlowLoss} with timestep shift {@code shift}, and an EMA of the weights is kept for sampling.
 * The EMA decay warms up as min(decay, (1 + s) / (10 + s)) so that short runs are not dominated by the init.
 */
public final class DitTask implements TrainTask {
    private final DiT dit;
    private final double shift, labelDropout, emaDecay;
    private final Ema ema;
    private int replica = 0, replicas = 1;

    public DitTask(DiT dit, double shift, double labelDropout, double emaDecay) {
        this.dit = dit;
        this.shift = shift;
        this.labelDropout = labelDropout;
        this.emaDecay = emaDecay;
        dit.train();
        this.ema = new Ema(dit.namedParameters());
    }

    /**
     * Makes this task one of {@code replicas} data-parallel replicas: each batch the loader gives is the global batch,
     * of which this replica trains rows [B r / R, B (r + 1) / R), its loss weighted by its share of B. Every random draw
     * (label dropout, noise, times) is still made for the whole global batch, in the order of one process, and the
     * replica keeps its rows: the replicas' summed gradients are then those of one process on the global batch (to
     * float32 summation order).
     */
    public DitTask shard(int replica, int replicas) {
        if (replicas < 1 || replica < 0 || replica >= replicas)
            throw new IllegalArgumentException("replica " + replica + " of " + replicas);
        this.replica = replica;
        this.replicas = replicas;
        return this;
    }

    @Override public String name() { return "dit"; }

    @Override public Map<String, Tensor> parameters() { return dit.namedParameters(); }

    @Override
    public boolean decays(String name) { return name.endsWith("weight") && !name.contains("embedding_table") && !name.contains("norm"); }

    /** The DiT as a velocity field: first C of its 2C output channels (learn_sigma), as the official sampler. */
    public static VelocityModel velocity(DiT dit) {
        int c = dit.config.in_channels();
        return (x, t, y) -> {
            Tensor o = dit.forward(x, t, y);
            return o.size(2) == c ? o : o.narrow(2, 0, c);
        };
    }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        Tensor img = batch.images();
        int b = img.size(0);
        Tensor x1 = img.reshape(b, img.size(2), img.size(3));
        int[] y = batch.labels().clone();
        int nullClass = dit.config.nullClass();
        for (int i = 0; i < b; i++) if (rng.nextDouble() < labelDropout) y[i] = nullClass;
        if (replicas == 1) return new StepOutput(RectifiedFlowLoss.compute(velocity(dit), x1, y, shift, rng).loss());
        if (b < replicas) throw new IllegalArgumentException("a global batch of " + b + " cannot be split between " + replicas + " replicas");
        // the draws of RectifiedFlowLoss.compute(..., rng) for the whole batch, in its order
        Tensor z0 = Tensor.randn(rng, x1.shape());
        Tensor tRaw = Tensor.rand(rng, 0f, 1f, b);
        int first = (int) ((long) b * replica / replicas), count = (int) ((long) b * (replica + 1) / replicas) - first;
        RectifiedFlowLoss.Result r = RectifiedFlowLoss.compute(velocity(dit), x1.narrow(0, first, count).contiguous(),
                java.util.Arrays.copyOfRange(y, first, first + count), z0.narrow(0, first, count).contiguous(),
                tRaw.narrow(0, first, count).contiguous(), shift);
        return new StepOutput(r.loss().mul((float) count / b));
    }

    @Override
    public void afterUpdate(Batch lastBatch, Rng rng, long step) {
        ema.update(Math.min(emaDecay, (1.0 + step) / (10.0 + step)));
    }

    /** The EMA weights (state-dict names of the DiT's parameters). */
    public Map<String, Tensor> emaWeights() { return ema.weights(); }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        ema.weights().forEach((k, v) -> s.put("ema." + k, v));
        return s;
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of("dit_config", dit.config.toString(), "shift", Double.toString(shift), "label_dropout", Double.toString(labelDropout));
    }
}
