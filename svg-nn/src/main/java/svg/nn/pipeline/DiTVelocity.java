package svg.nn.pipeline;

import svg.nn.dit.DiT;
import svg.nn.flow.VelocityModel;
import svg.tensor.Tensor;

/**
 * A DiT as a {@link VelocityModel}: with learn_sigma the DiT predicts 2C channels and, like the official sampler and
 * loss ({@code chunk(2, dim=2)[0]}), only the first C are the velocity.
 */
public record DiTVelocity(DiT dit) implements VelocityModel {
    @Override
    public Tensor velocity(Tensor x, Tensor t, int[] y) {
        Tensor out = dit.forward(x, t, y);
        int c = x.size(2);
        return out.size(2) == c ? out : out.narrow(2, 0, c);
    }
}
