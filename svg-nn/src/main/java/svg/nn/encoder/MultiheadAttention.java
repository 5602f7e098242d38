package svg.nn.encoder;

import svg.nn.layer.Dropout;
import svg.nn.layer.Linear;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * torch.nn.MultiheadAttention (batch_first self-attention): packed in_proj_weight [3E, E], in_proj_bias, out_proj.
 * Its {@code dropout} acts on the attention probabilities, in training only.
 */
public class MultiheadAttention extends Module {
    public final int embedDim, numHeads;
    /** Dropout on the attention probabilities (torch's {@code dropout} argument). */
    public final double dropout;
    public final Tensor in_proj_weight, in_proj_bias;
    public final Linear out_proj;

    public MultiheadAttention(int embedDim, int numHeads, Rng rng) { this(embedDim, numHeads, 0.0, rng); }

    public MultiheadAttention(int embedDim, int numHeads, double dropout, Rng rng) {
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.dropout = Dropout.check(dropout, "attention dropout");
        in_proj_weight = param("in_proj_weight", 3 * embedDim, embedDim);
        in_proj_bias = param("in_proj_bias", 3 * embedDim);
        out_proj = child("out_proj", new Linear(embedDim, embedDim, true, rng));
        if (rng != null) { // torch: xavier_uniform in_proj, zero biases
            Init.xavierUniform(in_proj_weight, rng);
            Init.zeros(out_proj.bias);
        }
    }

    public Tensor forward(Tensor x) { return forward(x, null); }

    /**
     * [B, N, E] -> [B, N, E]. In training mode with a non-null {@code rng} and dropout > 0 the probabilities are
     * computed explicitly and dropped with masks from {@code rng}; otherwise the fused attention runs.
     */
    public Tensor forward(Tensor x, Rng rng) {
        int b = x.size(0), n = x.size(1), hd = embedDim / numHeads;
        Tensor t = x.linear(in_proj_weight, in_proj_bias).reshape(b, n, 3, numHeads, hd);
        Tensor q = t.select(2, 0).transpose(1, 2), k = t.select(2, 1).transpose(1, 2), v = t.select(2, 2).transpose(1, 2);
        float scale = (float) (1.0 / Math.sqrt(hd));
        Tensor o;                                                                   // [B, H, N, hd]
        if (isTraining() && rng != null && dropout > 0) {
            Tensor p = q.matmul(k.transpose(-2, -1)).mul(scale).softmax(-1);    // [B, H, N, N]
            o = Dropout.apply(p, dropout, rng).matmul(v);
        } else {
            o = Tensor.attention(q, k, v, null, scale);
        }
        return out_proj.forward(o.transpose(1, 2).reshape(b, n, embedDim));
    }
}
