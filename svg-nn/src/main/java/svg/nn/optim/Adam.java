package svg.nn.optim;

import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Adam and AdamW with torch's update rule. AdamW (Loshchilov and Hutter) decays weights directly,
 * p -= lr * wd * p, before the Adam step; plain Adam adds wd * p to the gradient (L2 regularisation).
 *
 * <p>Per-element arithmetic is float32 like torch; the bias corrections are computed in double. The update order is
 * the parameter map order, each element independently, so results do not depend on threads.
 */
public final class Adam implements Optimizer {
    /** Hyper-parameters (torch names). */
    public record Config(double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        public Config {
            if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("betas must be in [0, 1): " + beta1 + ", " + beta2);
            if (eps <= 0) throw new IllegalArgumentException("eps must be positive");
            if (weightDecay < 0) throw new IllegalArgumentException("weight decay must be >= 0");
        }

        public static Config adamW(double weightDecay) { return new Config(0.9, 0.999, 1e-8, weightDecay, true); }

        public static Config adam() { return new Config(0.9, 0.999, 1e-8, 0, false); }
    }

    private final Map<String, Tensor> params;
    private final Config cfg;
    private final Map<String, Boolean> decays = new LinkedHashMap<>();
    private final Map<String, float[]> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private long t;

    /**
     * @param decay which parameters get weight decay (typically matrices only: not biases, norms, embeddings
     *              of tokens); null = all
     */
    public Adam(Map<String, Tensor> params, Config cfg, Predicate<String> decay) {
        Params.requireCompact(params);
        this.params = params;
        this.cfg = cfg;
        for (var e : params.entrySet()) {
            decays.put(e.getKey(), decay == null || decay.test(e.getKey()));
            m.put(e.getKey(), new float[e.getValue().numel()]);
            v.put(e.getKey(), new float[e.getValue().numel()]);
        }
    }

    public static Adam adamW(Map<String, Tensor> params, double weightDecay) {
        return new Adam(params, Config.adamW(weightDecay), Adam::decayByDefault);
    }

    /** The usual rule: decay weight matrices (rank >= 2 names ending in "weight"), not biases/norm scales/tokens. */
    public static boolean decayByDefault(String name) {
        return name.endsWith("weight") && !name.contains("norm") && !name.contains(".ln") && !name.startsWith("ln");
    }

    @Override
    public void step(double lr, double gradScale) {
        t++;
        double bc1 = 1 - Math.pow(cfg.beta1, t), bc2 = 1 - Math.pow(cfg.beta2, t);
        float b1 = (float) cfg.beta1, b2 = (float) cfg.beta2, ob1 = (float) (1 - cfg.beta1), ob2 = (float) (1 - cfg.beta2);
        float stepSize = (float) (lr / bc1), sqrtBc2 = (float) Math.sqrt(bc2), eps = (float) cfg.eps, gs = (float) gradScale;
        try (var g0 = GradMode.noGrad()) {
            for (var e : params.entrySet()) {
                String name = e.getKey();
                Tensor p = e.getValue();
                float[] g = Params.gradValues(name, p);
                if (g == null) continue;
                float[] w = p.data(), mm = m.get(name), vv = v.get(name);
                boolean dec = decays.get(name) && cfg.weightDecay > 0;
                float wd = (float) cfg.weightDecay;
                float shrink = (float) (1 - lr * cfg.weightDecay);
                for (int i = 0, n = p.numel(); i < n; i++) {
                    float gi = g[i] * gs;
                    if (dec) {
                        if (cfg.decoupled) w[i] *= shrink;
                        else gi += wd * w[i];
                    }
                    mm[i] = b1 * mm[i] + ob1 * gi;
                    vv[i] = b2 * vv[i] + ob2 * gi * gi;
                    w[i] -= stepSize * mm[i] / ((float) Math.sqrt(vv[i]) / sqrtBc2 + eps);
                }
            }
        }
    }

    @Override public long steps() { return t; }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (var e : params.entrySet()) {
            int[] shape = e.getValue().shape();
            s.put("exp_avg." + e.getKey(), Tensor.of(m.get(e.getKey()).clone(), shape));
            s.put("exp_avg_sq." + e.getKey(), Tensor.of(v.get(e.getKey()).clone(), shape));
        }
        return s;
    }

    @Override
    public void load(Map<String, Tensor> state, long steps) {
        for (String name : params.keySet()) {
            copyInto(state, "exp_avg." + name, m.get(name));
            copyInto(state, "exp_avg_sq." + name, v.get(name));
        }
        t = steps;
    }

    private static void copyInto(Map<String, Tensor> state, String key, float[] dst) {
        Tensor s = state.get(key);
        if (s == null) throw new IllegalArgumentException("optimiser state lacks '" + key + "'");
        if (s.numel() != dst.length) throw new IllegalArgumentException("optimiser state '" + key + "' has " + s.numel() + " values, expected " + dst.length);
        System.arraycopy(s.toArray(), 0, dst, 0, dst.length);
    }
}
