package svg.nn.encoder;

import svg.nn.layer.Linear;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** torch.nn.MultiheadAttention (batch_first self-attention): packed in_proj_weight [3E, E], in_proj_bias, out_proj. */
public class MultiheadAttention extends Module {
    public final int embedDim, numHeads;
    public final Tensor in_proj_weight, in_proj_bias;
    public final Linear out_proj;

    public MultiheadAttention(int embedDim, int numHeads, Rng rng) {
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        in_proj_weight = param("in_proj_weight", 3 * embedDim, embedDim);
        in_proj_bias = param("in_proj_bias", 3 * embedDim);
        out_proj = child("out_proj", new Linear(embedDim, embedDim, true, rng));
        if (rng != null) { // torch: xavier_uniform in_proj, zero biases
            Init.xavierUniform(in_proj_weight, rng);
            Init.zeros(out_proj.bias);
        }
    }

    public Tensor forward(Tensor x) { // [B, N, E] -> [B, N, E]
        int b = x.size(0), n = x.size(1), hd = embedDim / numHeads;
        Tensor t = x.linear(in_proj_weight, in_proj_bias).reshape(b, n, 3, numHeads, hd);
        Tensor q = t.select(2, 0).transpose(1, 2), k = t.select(2, 1).transpose(1, 2), v = t.select(2, 2).transpose(1, 2);
        Tensor o = Tensor.attention(q, k, v, null, (float) (1.0 / Math.sqrt(hd))); // [B, H, N, hd]
        return out_proj.forward(o.transpose(1, 2).reshape(b, n, embedDim));
    }
}
