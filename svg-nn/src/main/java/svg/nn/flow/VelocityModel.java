package svg.nn.flow;

import svg.tensor.Tensor;

/**
 * A velocity field v(x, t, y) for rectified flow: x [B, T, C] tokens, t [B] times in [0, 1] (0 = noise, 1 = data),
 * y [B] class labels (the null class selects the unconditional branch). Returns [B, T, C]: adapters for models that
 * predict more channels (a DiT with learn_sigma predicts 2C) keep only the first C, as the official sampler does.
 */
@FunctionalInterface
public interface VelocityModel {
    Tensor velocity(Tensor x, Tensor t, int[] y);
}
