package svg.nn.decoder;

import svg.nn.layer.Conv2d;
import svg.nn.layer.GroupNorm;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** Single-head self-attention over the h*w positions of a feature map (1x1 conv q, k, v, proj_out), scale C^-1/2. */
public class AttnBlock extends Module {
    public final GroupNorm norm;
    public final Conv2d q, k, v, proj_out;

    public AttnBlock(int c, Rng rng) {
        norm = child("norm", Decoder.normalize(c));
        q = child("q", new Conv2d(c, c, 1, 1, 0, true, rng));
        k = child("k", new Conv2d(c, c, 1, 1, 0, true, rng));
        v = child("v", new Conv2d(c, c, 1, 1, 0, true, rng));
        proj_out = child("proj_out", new Conv2d(c, c, 1, 1, 0, true, rng));
    }

    public Tensor forward(Tensor x) { // [N, C, H, W]
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        Tensor hn = norm.forward(x);
        // [N, C, H, W] -> [N, 1, HW, C]: one head whose tokens are the positions
        Tensor qs = q.forward(hn).reshape(n, c, h * w).transpose(1, 2).unsqueeze(1);
        Tensor ks = k.forward(hn).reshape(n, c, h * w).transpose(1, 2).unsqueeze(1);
        Tensor vs = v.forward(hn).reshape(n, c, h * w).transpose(1, 2).unsqueeze(1);
        Tensor o = Tensor.attention(qs, ks, vs, null, (float) Math.pow(c, -0.5)); // [N, 1, HW, C]
        o = o.squeeze(1).transpose(1, 2).reshape(n, c, h, w);
        return x.add(proj_out.forward(o));
    }
}
