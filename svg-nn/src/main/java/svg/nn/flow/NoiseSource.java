package svg.nn.flow;

import svg.tensor.Tensor;

/** Standard-normal draws for a batch: {@code normal(B, ...)} gives [B, ...]; see {@link PerImageNoise}. */
@FunctionalInterface
public interface NoiseSource {
    Tensor normal(int... shape);
}
