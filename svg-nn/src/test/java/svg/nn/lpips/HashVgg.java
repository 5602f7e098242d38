package svg.nn.lpips;

import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random VGG16 {@code features.*} weights that tools/lpips/gen_lpips_fixture.py computes identically: value i of
 * tensor t is lowbias32(i + lowbias32(t * 0x9E3779B9 + 1)) >>> 8, scaled to [-1, 1) (exact in float32), times
 * sqrt(6 / fan_in) for weights and 0.05 for biases (tensor ids 1000 + t). Saves committing 59 MB of weights.
 */
final class HashVgg {
    private HashVgg() {}

    static int lowbias32(int x) {
        x ^= x >>> 16;
        x *= 0x7FEB352D;
        x ^= x >>> 15;
        x *= 0x846CA68B;
        x ^= x >>> 16;
        return x;
    }

    static float[] uniform(int tensorId, int n) {
        int key = lowbias32(tensorId * 0x9E3779B9 + 1);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (lowbias32(i + key) >>> 8) * 0x1p-23f - 1f;
        return v;
    }

    static Map<String, Tensor> stateDict() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        int in = 3;
        for (int t = 0; t < 13; t++) {
            int out = Vgg16Features.OUT_CHANNELS[t], idx = Vgg16Features.CONV_INDEX[t];
            float bound = (float) Math.sqrt(6.0 / (in * 9));
            float[] w = uniform(t, out * in * 9), b = uniform(t + 1000, out);
            for (int i = 0; i < w.length; i++) w[i] *= bound;
            for (int i = 0; i < b.length; i++) b[i] *= 0.05f;
            sd.put("features." + idx + ".weight", Tensor.of(w, out, in, 3, 3));
            sd.put("features." + idx + ".bias", Tensor.of(b, out));
            in = out;
        }
        return sd;
    }
}
