package svg.nn.optim;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.Map;

/**
 * Exponential moving average of weights: target = decay * target + (1 - decay) * source, in place. Used for the DiT's
 * EMA weights and for the DINO teacher (whose parameters are the target).
 */
public final class Ema {
    private final Map<String, Tensor> source, target;

    /** EMA into fresh copies of {@code source}. */
    public Ema(Map<String, Tensor> source) { this(source, Params.copy(source)); }

    /** EMA into existing tensors (same names and shapes), e.g. a teacher network's parameters. */
    public Ema(Map<String, Tensor> source, Map<String, Tensor> target) {
        Params.requireCompact(target);
        for (var e : source.entrySet()) {
            Tensor t = target.get(e.getKey());
            if (t == null || t.numel() != e.getValue().numel())
                throw new IllegalArgumentException("EMA target lacks or mis-sizes '" + e.getKey() + "'");
        }
        this.source = source;
        this.target = target;
    }

    public void update(double decay) {
        float d = (float) decay, od = (float) (1 - decay);
        try (var g = GradMode.noGrad()) {
            for (var e : source.entrySet()) {
                Tensor s = e.getValue();
                float[] sv = s.isContiguous() && s.offset() == 0 ? s.data() : s.toArray();
                float[] tv = target.get(e.getKey()).data();
                for (int i = 0, n = s.numel(); i < n; i++) tv[i] = d * tv[i] + od * sv[i];
            }
        }
    }

    /** The averaged weights. */
    public Map<String, Tensor> weights() { return target; }

    /**
     * The DINO teacher momentum: cosine from {@code start} to 1 over {@code total} steps.
     */
    public static double cosineMomentum(double start, long step, long total) {
        if (total <= 0) return start;
        double p = Math.min(1.0, (double) step / total);
        return 1 - (1 - start) * (Math.cos(Math.PI * p) + 1) / 2;
    }
}
