package svg.nn.dinov3;

import svg.nn.layer.Linear;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** DINOv3 attention: qkv (k-bias masked), RoPE on the patch tokens only, softmax attention, proj. */
public class SelfAttention extends Module {
    public final int numHeads, headDim;
    public final Linear qkv, proj;

    public SelfAttention(int dim, int numHeads, boolean qkvBias, boolean projBias, boolean maskKBias, Rng rng) {
        this.numHeads = numHeads;
        this.headDim = dim / numHeads;
        qkv = child("qkv", maskKBias && qkvBias ? new LinearKMaskedBias(dim, 3 * dim, rng) : new Linear(dim, 3 * dim, qkvBias, rng));
        proj = child("proj", new Linear(dim, dim, projBias, rng));
    }

    /** Rotates tokens [prefix, N) of x [B, H, N, hd]; the cls and storage tokens before them pass unchanged. */
    static Tensor applyRope(Tensor x, Tensor sin, Tensor cos) {
        int n = x.size(2), prefix = n - sin.size(0);
        if (prefix < 0) throw new IllegalArgumentException("RoPE table has more positions than tokens");
        Tensor rotated = x.narrow(2, prefix, n - prefix).rope(sin, cos);
        return prefix == 0 ? rotated : Tensor.cat(2, x.narrow(2, 0, prefix), rotated);
    }

    public Tensor forward(Tensor x, Tensor[] rope) { // [B, N, D], rope {sin, cos} [HW, hd] or null
        int b = x.size(0), n = x.size(1), c = x.size(2);
        Tensor t = qkv.forward(x).reshape(b, n, 3, numHeads, headDim);
        Tensor q = t.select(2, 0).transpose(1, 2), k = t.select(2, 1).transpose(1, 2), v = t.select(2, 2).transpose(1, 2); // [B, H, N, hd]
        if (rope != null) {
            q = applyRope(q, rope[0], rope[1]);
            k = applyRope(k, rope[0], rope[1]);
        }
        Tensor o = Tensor.attention(q, k, v, null, (float) (1.0 / Math.sqrt(headDim)));
        return proj.forward(o.transpose(1, 2).reshape(b, n, c));
    }
}
