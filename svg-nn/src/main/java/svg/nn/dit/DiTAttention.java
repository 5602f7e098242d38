package svg.nn.dit;

import svg.nn.layer.Activation;
import svg.nn.layer.Layer;
import svg.nn.layer.LayerNorm;
import svg.nn.layer.Linear;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** Multi-head self-attention with optional QK-norm: LayerNorm(head_dim, eps 1e-5, affine) on q and k per head. */
public class DiTAttention extends Module {
    public final int numHeads, headDim;
    public final Linear qkv, proj;
    public final Layer q_norm, k_norm;

    public DiTAttention(int dim, int numHeads, int headDim, boolean qkvBias, boolean qkNorm, Rng rng) {
        this.numHeads = numHeads;
        this.headDim = headDim;
        qkv = child("qkv", new Linear(dim, 3 * numHeads * headDim, qkvBias, rng));
        q_norm = child("q_norm", qkNorm ? new LayerNorm(headDim, 1e-5f) : Activation.identity());
        k_norm = child("k_norm", qkNorm ? new LayerNorm(headDim, 1e-5f) : Activation.identity());
        proj = child("proj", new Linear(numHeads * headDim, dim, true, rng));
    }

    public Tensor forward(Tensor x) {
        int b = x.size(0), n = x.size(1);
        Tensor qkvT = qkv.forward(x).reshape(b, n, 3, numHeads, headDim).permute(2, 0, 3, 1, 4); // [3, B, H, N, hd]
        Tensor q = q_norm.forward(qkvT.select(0, 0));
        Tensor k = k_norm.forward(qkvT.select(0, 1));
        Tensor v = qkvT.select(0, 2);
        Tensor o = Tensor.attention(q, k, v, null, (float) (1.0 / Math.sqrt(headDim))); // [B, H, N, hd]
        return proj.forward(o.transpose(1, 2).reshape(b, n, numHeads * headDim));
    }
}
