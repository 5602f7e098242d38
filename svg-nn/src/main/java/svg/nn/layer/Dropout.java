package svg.nn.layer;

import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * torch.nn.Dropout: in training, each element is zeroed with probability {@code p} and the others are scaled by
 * 1 / (1 - p), so the expected value is unchanged; in eval mode it is the identity. Built from primitives: the input
 * times a constant mask of 0 and 1 / (1 - p), so the gradient reaches only the kept elements, with the same scale.
 *
 * <p>The mask comes from the caller's {@link Rng} (the trainer's, which checkpoints save and restore), so training
 * with dropout stays deterministic and resumable. Without an Rng ({@link #forward(Tensor)}, and every inference path)
 * nothing is dropped. It has no parameters; as in PyTorch it only holds a place among its siblings' indices.
 */
public final class Dropout extends Layer {
    public final double p;

    public Dropout(double p) {
        this.p = check(p, "dropout");
    }

    /** Checks a dropout probability: 0 <= p < 1 (1 would drop everything and divide by zero). */
    public static double check(double p, String what) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException(what + " must be in [0, 1), got " + p);
        return p;
    }

    /** The identity: no Rng, no masks. */
    @Override
    public Tensor forward(Tensor x) { return x; }

    /** Drops with masks from {@code rng} in training mode; the identity in eval mode or when {@code rng} is null. */
    public Tensor forward(Tensor x, Rng rng) { return isTraining() ? apply(x, p, rng) : x; }

    /** x times a fresh mask (0 with probability p, else 1 / (1 - p)) drawn from {@code rng}; x itself when p is 0 or rng null. */
    public static Tensor apply(Tensor x, double p, Rng rng) {
        if (p == 0 || rng == null) return x;
        float keep = (float) (1 / (1 - p));
        float[] m = new float[x.numel()];
        for (int i = 0; i < m.length; i++) m[i] = rng.nextDouble() < p ? 0f : keep;
        return x.mul(Tensor.of(m, x.shape()));
    }
}
