package svg.nn.train.ssl;

import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DINO projection head (dinov3/layers/dino_head.py, smaller): MLP d -> hidden -> GELU -> bottleneck, L2
 * normalisation, then a weight-normalised prototype layer (rows of {@code last_layer.weight} scaled to unit norm, as
 * weight_norm with the gain fixed to 1) giving K prototype scores. Stored as plain named tensors, keys prefixed
 * {@code mlp.0}, {@code mlp.2}, {@code last_layer}.
 */
public final class DinoHead {
    private final Map<String, Tensor> params = new LinkedHashMap<>();

    public DinoHead(int in, int hidden, int bottleneck, int prototypes, Rng rng) {
        put("mlp.0.weight", trunc(rng, hidden, in));
        put("mlp.0.bias", Tensor.zeros(hidden));
        put("mlp.2.weight", trunc(rng, bottleneck, hidden));
        put("mlp.2.bias", Tensor.zeros(bottleneck));
        put("last_layer.weight", trunc(rng, prototypes, bottleneck));
    }

    private DinoHead(Map<String, Tensor> copy) { params.putAll(copy); }

    private void put(String k, Tensor t) { params.put(k, t.requiresGrad(true)); }

    /** N(0, 0.02) clipped to two standard deviations (DINO's trunc_normal_ init). */
    private static Tensor trunc(Rng rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            double g;
            do { g = rng.nextGaussian(); } while (Math.abs(g) > 2);
            d[i] = (float) (0.02 * g);
        }
        return t;
    }

    public Map<String, Tensor> parameters() { return params; }

    /** A frozen copy (the teacher's head, updated by EMA only). */
    public DinoHead frozenCopy() {
        Map<String, Tensor> c = svg.nn.optim.Params.copy(params);
        return new DinoHead(c);
    }

    /** Prototype logits [B, K] for features [B, d]. */
    public Tensor forward(Tensor x) {
        Tensor h = x.linear(params.get("mlp.0.weight"), params.get("mlp.0.bias")).gelu()
                .linear(params.get("mlp.2.weight"), params.get("mlp.2.bias"));
        h = h.div(h.square().sum(-1, true).add(1e-12f).sqrt());
        Tensor w = params.get("last_layer.weight");
        w = w.div(w.square().sum(-1, true).add(1e-12f).sqrt());
        return h.linear(w, null);
    }
}
