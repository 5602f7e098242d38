package svg.nn.train.ssl;

import svg.nn.data.Batch;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.train.StepOutput;
import svg.nn.train.TrainTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Contrastive self-supervision of a small DINOv3 ViT (SimCLR's NT-Xent, Chen et al. 2020): two augmented views of
 * each image go through the ViT and a projection head (MLP d -> hidden -> GELU -> out on the class token concatenated
 * with the mean patch token), are L2-normalised, and each view must pick its partner among the other 2B - 1 views
 * of the batch by cosine similarity / temperature. Negatives make collapse impossible, which is why it learns from
 * the first steps at the small batches and short schedules a 2-core CPU affords, where DINO's centring and
 * sharpening need long schedules to leave the uniform solution (docs/training.md, "The SSL encoder").
 *
 * <p>Views come from the loader in [0, 1] and are ImageNet-normalised here, as the SVG encoder sees them. The
 * trained backbone (no EMA) becomes the SVG encoder; the head is dropped.
 */
public final class ContrastiveTask implements TrainTask {
    private final double temperature;
    public final DinoVisionTransformer student;
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Tensor w1, b1, w2, b2;

    public ContrastiveTask(DinoV3Config vit, int hidden, int out, double temperature, Rng rng) {
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        this.temperature = temperature;
        student = new DinoVisionTransformer(vit, rng);
        int d = 2 * vit.embed_dim();
        w1 = truncNormal(rng, hidden, d);
        b1 = Tensor.zeros(hidden).requiresGrad(true);
        w2 = truncNormal(rng, out, hidden);
        b2 = Tensor.zeros(out).requiresGrad(true);
        student.namedParameters().forEach((k, v) -> params.put("backbone." + k, v));
        params.put("head.mlp.0.weight", w1);
        params.put("head.mlp.0.bias", b1);
        params.put("head.mlp.2.weight", w2);
        params.put("head.mlp.2.bias", b2);
    }

    private static Tensor truncNormal(Rng rng, int rows, int cols) {
        Tensor t = Tensor.zeros(rows, cols);
        svg.nn.module.Init.truncNormal(t, rng, 0.02, -0.04, 0.04);
        return t.requiresGrad(true);
    }

    @Override public String name() { return "ssl"; }

    @Override public Map<String, Tensor> parameters() { return params; }

    @Override
    public boolean decays(String name) {
        return name.endsWith(".weight") && !name.contains("norm") && !name.contains("patch_embed") && !name.contains("ls");
    }

    /** Unit-norm projections [B, out] of ImageNet-normalised views. */
    private Tensor project(Tensor views01) {
        DinoVisionTransformer.Features f = student.forwardFeatures(svg.nn.autoencoder.SvgAutoencoder.imagenetNormalize(views01));
        Tensor h = Tensor.cat(1, f.x_norm_clstoken(), f.x_norm_patchtokens().mean(1, false));
        Tensor z = h.linear(w1, b1).gelu().linear(w2, b2);
        return z.div(z.square().sum(-1, true).add(1e-12f).sqrt());
    }

    @Override
    public StepOutput forward(Batch batch, Rng rng, long step) {
        Tensor[] views = batch.views();
        if (views.length != 2) throw new IllegalStateException("contrastive training needs 2 views per image, loader gave " + views.length);
        int b = batch.size(), n = 2 * b;
        Tensor z = project(Tensor.cat(0, List.of(views)));           // [2B, out]: view 1 of every image, then view 2
        Tensor sim = z.matmul(z.transpose(0, 1)).mul((float) (1 / temperature));
        float[] self = new float[n * n], partner = new float[n * n];
        for (int i = 0; i < n; i++) {
            self[i * n + i] = -1e9f;                                  // a view is never its own candidate
            partner[i * n + (i < b ? i + b : i - b)] = 1f;
        }
        Tensor logp = sim.add(Tensor.of(self, n, n)).logSoftmax(-1);
        Tensor loss = logp.mul(Tensor.of(partner, n, n)).sum().div(-n);
        // how often the partner is the most similar view: a direct, label-free measure of progress
        float[] s = sim.detach().toArray();
        int hit = 0;
        for (int i = 0; i < n; i++) {
            int best = -1;
            for (int j = 0; j < n; j++) if (j != i && (best < 0 || s[i * n + j] > s[i * n + best])) best = j;
            if (best == (i < b ? i + b : i - b)) hit++;
        }
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("pair_acc", (double) hit / n);
        return new StepOutput(loss, logs);
    }

    /** The trained backbone: the SSL encoder handed to the autoencoder. */
    public DinoVisionTransformer encoder() { return student; }

    @Override
    public Map<String, String> metadata() { return Map.of("ssl_objective", "contrastive", "temperature", Double.toString(temperature)); }
}
