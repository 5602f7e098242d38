package svg.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static svg.tornado.Kernels.ES;

/**
 * Fused attention (one work-item per query row, online softmax, no [Tq, Tk] matrix) and rotate-half RoPE, which
 * only attention inputs use.
 */
public final class AttentionKernels {
    private AttentionKernels() {}

    /**
     * Fused attention, one work-item per query row with an online (running max) softmax: the output row itself is
     * the accumulator, so extra memory is O(Dv) per row and no [Tq, Tk] score matrix exists.
     * ip: [rows = B*H*Tq, Tq, Tk, D, Dv, hasMask]; fp: [scale]; q, k, v, mask [Tq, Tk].
     */
    public static void attention(KernelContext c, IntArray ip, FloatArray fp, FloatArray q, FloatArray k, FloatArray v,
                                 FloatArray mask, FloatArray out) {
        int r = c.globalIdx;
        if (r < ip.get(0)) {
            int tq = ip.get(1);
            int tk = ip.get(2);
            int d = ip.get(3);
            int dv = ip.get(4);
            int hasMask = ip.get(5);
            float scale = fp.get(0);
            int z = r / tq;
            int i = r - z * tq;
            int qb = r * d;
            int ob = r * dv;
            for (int p = 0; p < dv; p++) out.set(ob + p, 0.0f);
            float m = Float.NEGATIVE_INFINITY;
            float sum = 0.0f;
            for (int j = 0; j < tk; j++) {
                int kb = (z * tk + j) * d;
                float s = 0.0f;
                for (int p = 0; p < d; p++) s += q.get(qb + p) * k.get(kb + p);
                s = s * scale;
                if (hasMask == 1) s += mask.get(i * tk + j);
                if (s > m) {
                    // new running max: rescale what has been accumulated so far
                    float corr = TornadoMath.exp(m - s);
                    sum = sum * corr;
                    for (int p = 0; p < dv; p++) out.set(ob + p, out.get(ob + p) * corr);
                    m = s;
                }
                float w = TornadoMath.exp(s - m);
                sum += w;
                int vb = (z * tk + j) * dv;
                for (int p = 0; p < dv; p++) out.set(ob + p, out.get(ob + p) + w * v.get(vb + p));
            }
            for (int p = 0; p < dv; p++) out.set(ob + p, out.get(ob + p) / sum);
        }
    }

    /** Largest value head dimension the local-memory attention kernel holds (64 items x 128 floats = 32 KB). */
    public static final int ATT_DV = 128;

    /**
     * {@link #attention} with each work-item's output accumulator in local memory instead of global memory: the
     * running rescale and the weighted sum of values touch on-chip memory, and the result is written once. Needs
     * Dv <= ATT_DV; same ip/fp contract, 1-D launch in groups of ES items.
     */
    public static void attentionLocal(KernelContext c, IntArray ip, FloatArray fp, FloatArray q, FloatArray k,
                                      FloatArray v, FloatArray mask, FloatArray out) {
        float[] acc = c.allocateFloatLocalArray(ES * ATT_DV);
        int r = c.globalIdx;
        int ab = c.localIdx * ATT_DV;
        if (r < ip.get(0)) {
            int tq = ip.get(1);
            int tk = ip.get(2);
            int d = ip.get(3);
            int dv = ip.get(4);
            int hasMask = ip.get(5);
            float scale = fp.get(0);
            int z = r / tq;
            int i = r - z * tq;
            int qb = r * d;
            for (int p = 0; p < dv; p++) acc[ab + p] = 0.0f;
            float m = Float.NEGATIVE_INFINITY;
            float sum = 0.0f;
            for (int j = 0; j < tk; j++) {
                int kb = (z * tk + j) * d;
                float s = 0.0f;
                for (int p = 0; p < d; p++) s += q.get(qb + p) * k.get(kb + p);
                s = s * scale;
                if (hasMask == 1) s += mask.get(i * tk + j);
                if (s > m) {
                    float corr = TornadoMath.exp(m - s);
                    sum = sum * corr;
                    for (int p = 0; p < dv; p++) acc[ab + p] = acc[ab + p] * corr;
                    m = s;
                }
                float w = TornadoMath.exp(s - m);
                sum += w;
                int vb = (z * tk + j) * dv;
                for (int p = 0; p < dv; p++) acc[ab + p] = acc[ab + p] + w * v.get(vb + p);
            }
            int ob = r * dv;
            for (int p = 0; p < dv; p++) out.set(ob + p, acc[ab + p] / sum);
        }
    }

    /** Rotate-half RoPE. ip: [n, T, D]; x [.., T, D], sin and cos [T, D]. */
    public static void rope(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray sin, FloatArray cos,
                            FloatArray e, FloatArray out) {
        int i = c.globalIdx;
        if (i < ip.get(0)) {
            int t = ip.get(1);
            int d = ip.get(2);
            int half = d / 2;
            int row = i / d;
            int j = i - row * d;
            int tok = row % t;
            float rot;
            if (j < half) rot = -x.get(i + half);
            else rot = x.get(i - half);
            out.set(i, x.get(i) * cos.get(tok * d + j) + rot * sin.get(tok * d + j));
        }
    }
}
