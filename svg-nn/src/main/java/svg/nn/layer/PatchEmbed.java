package svg.nn.layer;

import svg.tensor.Rng;
import svg.tensor.Tensor;

/** Image to patch tokens with a stride-p p x p conv ({@code proj}): [B, C, H, W] -> [B, (H/p)*(W/p), D], row-major. */
public class PatchEmbed extends Layer {
    public final int patchSize, embedDim;
    public final Conv2d proj;

    public PatchEmbed(int inChans, int embedDim, int patchSize, Rng rng) {
        this.patchSize = patchSize;
        this.embedDim = embedDim;
        proj = child("proj", new Conv2d(inChans, embedDim, patchSize, patchSize, 0, true, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != proj.inChannels)
            throw new IllegalArgumentException("PatchEmbed expects [B, " + proj.inChannels + ", H, W], got " + java.util.Arrays.toString(x.shape()));
        Tensor f = proj.forward(x);                                  // [B, D, H/p, W/p]
        int b = f.size(0), d = f.size(1), n = f.size(2) * f.size(3);
        return f.reshape(b, d, n).transpose(1, 2);                   // [B, N, D]
    }
}
