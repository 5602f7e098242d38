package svg.nn.flow;

import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * One random stream per image: image {@code first + b} of a batch draws from {@code new Rng(seed).fork(first + b)},
 * so an image's initial noise and its SDE noise depend only on (seed, image index), never on the batch size or on
 * how a run is split into batches.
 */
public final class PerImageNoise implements NoiseSource {
    private final Rng[] streams;

    public PerImageNoise(long seed, int first, int count) {
        if (count < 1) throw new IllegalArgumentException("need at least one image, got " + count);
        if (first < 0) throw new IllegalArgumentException("first image index must be >= 0, got " + first);
        Rng root = new Rng(seed);
        streams = new Rng[count];
        for (int b = 0; b < count; b++) streams[b] = root.fork(first + b);
    }

    @Override
    public Tensor normal(int... shape) {
        if (shape.length == 0 || shape[0] != streams.length)
            throw new IllegalArgumentException("noise shape " + Arrays.toString(shape) + " must start with the batch size " + streams.length);
        Tensor out = Tensor.zeros(shape);
        float[] d = out.data();
        int per = out.numel() / streams.length;
        for (int b = 0; b < streams.length; b++)
            for (int j = 0; j < per; j++) d[b * per + j] = (float) streams[b].nextGaussian();
        return out;
    }
}
