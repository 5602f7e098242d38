package svg.nn.train;

import svg.nn.data.Batch;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Map;

/**
 * One training objective plugged into {@link Trainer}: the networks, the loss, and whatever extra state must be
 * checkpointed for an exact resume (EMA weights, a DINO teacher and centre, a discriminator and its optimiser).
 */
public interface TrainTask {
    /** Short name written into checkpoints ("ssl", "autoencoder", "dit", "vae"). */
    String name();

    /** The parameters the trainer's optimiser updates (compact tensors, state_dict names). */
    Map<String, Tensor> parameters();

    /** Which parameters get weight decay. */
    default boolean decays(String name) { return svg.nn.optim.Adam.decayByDefault(name); }

    /**
     * Forward pass for one micro-batch with autograd on; the trainer calls backward on the returned loss. Random
     * draws (noise, timesteps, masks) must come from {@code rng} only.
     */
    StepOutput forward(Batch batch, Rng rng, long step);

    /** Called after each optimiser update (EMA, teacher momentum, discriminator step...). */
    default void afterUpdate(Batch lastBatch, Rng rng, long step) {}

    /** Extra tensors to checkpoint besides the parameters and the optimiser state. */
    default Map<String, Tensor> state() { return Map.of(); }

    /** Restores {@link #state()} from a checkpoint (default: copy values into the same tensors). */
    default void loadState(Map<String, Tensor> saved) {
        if (!state().isEmpty()) svg.nn.optim.Params.assign(state(), saved);
    }

    /** Settings recorded in the checkpoint metadata (model config as JSON etc.). */
    default Map<String, String> metadata() { return Map.of(); }
}
