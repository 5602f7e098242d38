package svg.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static svg.tornado.Kernels.RS;
import static svg.tornado.Kernels.WOFF;

/**
 * Row reductions by one work-group: softmax, LayerNorm/RMSNorm and GroupNorm. Softmax lives here, not with
 * attention, because it is the same work-group reduction as the norms (and has the same local-array pitfall, below).
 */
public final class NormKernels {
    private NormKernels() {}

    /*
     * The work-group reductions below (softmax, rowNorm, groupNorm) are written out in each kernel's body, once, in a
     * loop over the kernel's passes. They were a shared helper taking the local array as a parameter; TornadoVM 5.2
     * compiles such a callee's accesses as if the local array were a Java heap array (a byte offset with the 16-byte
     * array header: red[4 * l + 16] for red[l]), which runs past the end of the 64-float local array. PoCL keeps
     * going (and the results were right), NVIDIA's OpenCL faults (CL_OUT_OF_RESOURCES, then -9999 for every later
     * call): found on an H200, docs/tornado.md. LocalArrayIndexTest checks the generated OpenCL for this.
     */

    /** Softmax over rows of length ip[0]; one work-group of RS items per row. */
    public static void softmax(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray b, FloatArray d,
                               FloatArray e, FloatArray out) {
        int n = ip.get(0);
        int base = c.groupIdx * n;
        int l = c.localIdx;
        float[] red = c.allocateFloatLocalArray(RS);
        float m = 0.0f;
        float sum = 1.0f;
        for (int pass = 0; pass < 2; pass++) { // 0: the row's max, 1: the sum of exp(x - max)
            float p = pass == 0 ? Float.NEGATIVE_INFINITY : 0.0f;
            for (int j = l; j < n; j += RS) {
                if (pass == 0) p = TornadoMath.max(p, x.get(base + j));
                else p += TornadoMath.exp(x.get(base + j) - m);
            }
            red[l] = p;
            c.localBarrier();
            for (int s = RS / 2; s > 0; s = s / 2) {
                if (l < s) {
                    if (pass == 0) red[l] = TornadoMath.max(red[l], red[l + s]);
                    else red[l] = red[l] + red[l + s];
                }
                c.localBarrier();
            }
            if (pass == 0) m = red[0];
            else sum = red[0];
            c.localBarrier();
        }
        for (int j = l; j < n; j += RS) out.set(base + j, TornadoMath.exp(x.get(base + j) - m) / sum);
    }

    /** LayerNorm (ip[1] == 0) or RMSNorm (ip[1] == 1) over rows of length ip[0]. ip: [n, rms, hasW, hasB]; fp: [eps]. */
    public static void rowNorm(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray w, FloatArray bias,
                               FloatArray e, FloatArray out) {
        int n = ip.get(0);
        int rms = ip.get(1);
        int base = c.groupIdx * n;
        int l = c.localIdx;
        float[] red = c.allocateFloatLocalArray(RS);
        float mu = 0.0f;
        float rs = 0.0f;
        for (int pass = rms; pass < 2; pass++) { // 0: the mean (LayerNorm only), 1: the mean square about it
            float p = 0.0f;
            for (int j = l; j < n; j += RS) {
                float dx = x.get(base + j) - mu;
                p += pass == 0 ? dx : dx * dx;
            }
            red[l] = p;
            c.localBarrier();
            for (int s = RS / 2; s > 0; s = s / 2) {
                if (l < s) red[l] = red[l] + red[l + s];
                c.localBarrier();
            }
            float r = red[0] / n;
            c.localBarrier();
            if (pass == 0) mu = r;
            else rs = 1.0f / TornadoMath.sqrt(r + fp.get(0));
        }
        for (int j = l; j < n; j += RS) {
            float y = (x.get(base + j) - mu) * rs;
            if (ip.get(2) == 1) y = y * w.get(ip.get(WOFF + 1) + j);
            if (ip.get(3) == 1) y = y + bias.get(ip.get(WOFF + 2) + j);
            out.set(base + j, y);
        }
    }

    /** GroupNorm of x [N, C, S]; one work-group per (sample, group). ip: [C, S, groups, hasW, hasB]; fp: [eps]. */
    public static void groupNorm(KernelContext c, IntArray ip, FloatArray fp, FloatArray x, FloatArray w,
                                 FloatArray bias, FloatArray e, FloatArray out) {
        int ch = ip.get(0);
        int sp = ip.get(1);
        int groups = ip.get(2);
        int cg = ch / groups;
        int sample = c.groupIdx / groups;
        int g = c.groupIdx - sample * groups;
        int base = (sample * ch + g * cg) * sp;
        int len = cg * sp;
        int l = c.localIdx;
        float[] red = c.allocateFloatLocalArray(RS);
        float mu = 0.0f;
        float rs = 0.0f;
        for (int pass = 0; pass < 2; pass++) { // 0: the mean, 1: the mean square about it
            float p = 0.0f;
            for (int j = l; j < len; j += RS) {
                float dx = x.get(base + j) - mu;
                p += pass == 0 ? dx : dx * dx;
            }
            red[l] = p;
            c.localBarrier();
            for (int s = RS / 2; s > 0; s = s / 2) {
                if (l < s) red[l] = red[l] + red[l + s];
                c.localBarrier();
            }
            float r = red[0] / len;
            c.localBarrier();
            if (pass == 0) mu = r;
            else rs = 1.0f / TornadoMath.sqrt(r + fp.get(0));
        }
        for (int j = l; j < len; j += RS) {
            int cc = g * cg + j / sp;
            float y = (x.get(base + j) - mu) * rs;
            if (ip.get(3) == 1) y = y * w.get(ip.get(WOFF + 1) + cc);
            if (ip.get(4) == 1) y = y + bias.get(ip.get(WOFF + 2) + cc);
            out.set(base + j, y);
        }
    }
}
