package svg.nn.flow;

import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * The training objective of the official {@code RectifiedFlow.forward}: draw noise z0 ~ N(0, I) and t ~ U[0, 1),
 * shift t with {@code s t / (1 + (s - 1) t)} (s = 0.4 in the official SVG config), form
 * z_t = (1 - t) z0 + t x1, and regress the model velocity on the target u = x1 - z0:
 * mse_b = mean over (T, C) of (v(z_t, t, y) - u)^2, loss = mean_b mse_b. The random draws are injectable so that a
 * run can be replayed exactly; the result is differentiable with respect to the model's parameters.
 */
public final class RectifiedFlowLoss {

    /** Everything the loss computed: shifted t [B], z_t and u [B, T, C], v_pred [B, T, C], mse [B], loss (scalar). */
    public record Result(Tensor tShifted, Tensor zt, Tensor target, Tensor vPred, Tensor mse, Tensor loss) {}

    public static final double DEFAULT_SHIFT = 0.4;

    private RectifiedFlowLoss() {}

    /** The loss with draws from {@code rng}: z0 first (row-major), then t (one uniform per sample). */
    public static Result compute(VelocityModel model, Tensor x1, int[] y, double shift, Rng rng) {
        Tensor z0 = Tensor.randn(rng, x1.shape());
        Tensor tRaw = Tensor.rand(rng, 0f, 1f, x1.size(0));
        return compute(model, x1, y, z0, tRaw, shift);
    }

    /** The loss for given noise {@code z0} (shape of x1) and raw times {@code tRaw} [B] in [0, 1] (before the shift). */
    public static Result compute(VelocityModel model, Tensor x1, int[] y, Tensor z0, Tensor tRaw, double shift) {
        if (x1.dim() < 2) throw new IllegalArgumentException("x1 must be [B, ...], got " + Arrays.toString(x1.shape()));
        int b = x1.size(0);
        if (!Arrays.equals(z0.shape(), x1.shape()))
            throw new IllegalArgumentException("noise shape " + Arrays.toString(z0.shape()) + " differs from data shape " + Arrays.toString(x1.shape()));
        if (tRaw.dim() != 1 || tRaw.size(0) != b)
            throw new IllegalArgumentException("t must be [" + b + "], got " + Arrays.toString(tRaw.shape()));
        if (y == null || y.length != b) throw new IllegalArgumentException("need " + b + " labels");
        float[] tr = tRaw.toArray(), ts = new float[b];
        for (int i = 0; i < b; i++) ts[i] = TimeGrid.shiftFloat(tr[i], shift);
        Tensor t = Tensor.of(ts, b);
        int[] bshape = new int[x1.dim()];
        Arrays.fill(bshape, 1);
        bshape[0] = b;
        Tensor te = t.reshape(bshape);
        Tensor data = x1.detach(), noise = z0.detach();
        Tensor zt = te.rsub(1f).mul(noise).add(te.mul(data));
        Tensor target = data.sub(noise);
        Tensor v = model.velocity(zt, t, y);
        if (!Arrays.equals(v.shape(), x1.shape()))
            throw new IllegalStateException("velocity model returned " + Arrays.toString(v.shape()) + " for data " + Arrays.toString(x1.shape()));
        int[] rest = new int[x1.dim() - 1];
        for (int i = 0; i < rest.length; i++) rest[i] = i + 1;
        Tensor mse = v.sub(target).square().mean(rest, false);
        return new Result(t, zt, target, v, mse, mse.mean());
    }
}
