package svg.nn.optim;

import svg.tensor.Tensor;

import java.util.Map;

/**
 * Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): if the L2 norm over all gradients exceeds
 * {@code maxNorm}, all gradients are scaled by maxNorm / (norm + 1e-6). Returned as a factor that the optimiser
 * applies while it reads the gradients, so gradient buffers (which may be shared with the graph) are never written.
 */
public final class GradClip {
    private GradClip() {}

    /** The global L2 norm of all gradients (sum in double, in parameter order: deterministic). */
    public static double globalNorm(Map<String, Tensor> params) {
        double s = 0;
        for (var e : params.entrySet()) {
            float[] g = Params.gradValues(e.getKey(), e.getValue());
            if (g == null) continue;
            for (int i = 0, n = e.getValue().numel(); i < n; i++) s += (double) g[i] * g[i];
        }
        return Math.sqrt(s);
    }

    /** The factor to multiply gradients by: 1 when the norm is within bounds (or maxNorm <= 0 = no clipping). */
    public static double factor(double norm, double maxNorm) {
        if (maxNorm <= 0 || !(norm > maxNorm)) return 1.0;
        return maxNorm / (norm + 1e-6);
    }
}
