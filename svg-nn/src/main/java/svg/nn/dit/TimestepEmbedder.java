package svg.nn.dit;

import svg.nn.layer.Activation;
import svg.nn.layer.Linear;
import svg.nn.layer.Sequential;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * t -> sinusoidal features [cos(t f_k), sin(t f_k)] (k < 128, f_k = exp(-ln(10000) k / 128)) -> Linear -> SiLU ->
 * Linear. SVG feeds t in [0, 1] unscaled.
 */
public class TimestepEmbedder extends Module {
    public static final int FREQUENCY_EMBEDDING_SIZE = 256;
    public final Sequential mlp;

    public TimestepEmbedder(int hiddenSize, Rng rng) {
        mlp = child("mlp", new Sequential(
                new Linear(FREQUENCY_EMBEDDING_SIZE, hiddenSize, true, rng),
                Activation.silu(),
                new Linear(hiddenSize, hiddenSize, true, rng)));
    }

    /** [N] -> [N, dim], no gradient (t is data). Float32 rounding steps follow the official code. */
    public static Tensor timestepEmbedding(Tensor t, int dim, double maxPeriod) {
        if (t.dim() != 1) throw new IllegalArgumentException("timesteps must be [N], got " + t);
        float[] ts = t.toArray();
        int half = dim / 2;
        float[] freqs = new float[half];
        for (int k = 0; k < half; k++) {
            float a = (float) (-Math.log(maxPeriod) * k); // -log(max_period) * arange(half), float32
            freqs[k] = (float) Math.exp(a / half);
        }
        float[] out = new float[ts.length * dim];
        for (int n = 0; n < ts.length; n++) {
            for (int k = 0; k < half; k++) {
                float arg = ts[n] * freqs[k];
                out[n * dim + k] = (float) Math.cos(arg);
                out[n * dim + half + k] = (float) Math.sin(arg);
            }
        }
        return Tensor.of(out, ts.length, dim); // odd dim: last column stays zero, as the official padding
    }

    public Tensor forward(Tensor t) { // [N] -> [N, hidden]
        return mlp.forward(timestepEmbedding(t, FREQUENCY_EMBEDDING_SIZE, 10000));
    }
}
