package svg.nn.dinov3;

import svg.nn.module.Module;
import svg.tensor.Tensor;

/**
 * DINOv3's axial RoPE tables. Patch centres are normalised to [-1, 1] (per axis with "separate"); for head width hd
 * the angles are 2*pi*coord/period with {@code periods = base^(2k / (hd/2))}, k < hd/4, laid out as
 * [h-angles, w-angles] and tiled twice to hd (rotate-half layout). Float32 rounding follows the official code.
 */
public class RopePositionEmbedding extends Module {
    public final int headDim;
    public final String normalizeCoords;
    public final Tensor periods;

    public RopePositionEmbedding(int embedDim, int numHeads, double base, String normalizeCoords) {
        headDim = embedDim / numHeads;
        this.normalizeCoords = normalizeCoords;
        int q = headDim / 4;
        float[] p = new float[q];
        for (int k = 0; k < q; k++) {
            float e = (2f * k) / (headDim / 2); // float32 arange arithmetic
            p[k] = (float) Math.pow(base, e);
        }
        periods = buffer("periods", Tensor.of(p, q));
    }

    /** {sin, cos}, each [H*W, headDim], for an H x W patch grid. */
    public Tensor[] forward(int h, int w) {
        float dh, dw;
        switch (normalizeCoords) {
            case "max" -> { dh = dw = Math.max(h, w); }
            case "min" -> { dh = dw = Math.min(h, w); }
            default -> { dh = h; dw = w; }
        }
        float[] per = periods.toArray();
        int q = per.length, d = headDim;
        float[] sin = new float[h * w * d], cos = new float[h * w * d];
        float twoPi = (float) (2 * Math.PI);
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                float ch = 2f * ((i + 0.5f) / dh) - 1f, cw = 2f * ((j + 0.5f) / dw) - 1f;
                int row = (i * w + j) * d;
                for (int k = 0; k < q; k++) {
                    float ah = twoPi * ch / per[k], aw = twoPi * cw / per[k];
                    for (int rep = 0; rep < 2; rep++) {
                        int at = row + rep * 2 * q;
                        sin[at + k] = (float) Math.sin(ah);
                        cos[at + k] = (float) Math.cos(ah);
                        sin[at + q + k] = (float) Math.sin(aw);
                        cos[at + q + k] = (float) Math.cos(aw);
                    }
                }
            }
        }
        return new Tensor[]{Tensor.of(sin, h * w, d), Tensor.of(cos, h * w, d)};
    }
}
