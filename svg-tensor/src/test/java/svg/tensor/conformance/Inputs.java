package svg.tensor.conformance;

import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * Input tensors for the op catalog: seeded values and the view layouts the Backend contract allows (transposed,
 * offset, stride-0). Padding around an offset view is NaN, so a kernel that reads outside its view fails loudly.
 */
public final class Inputs {
    private Inputs() {}

    /** The generator for a case: seeded by its name, so the printed name reproduces the inputs. */
    public static Rng rng(String caseName) { return new Rng(caseName.hashCode() * 0x9E3779B97F4A7C15L + caseName.length()); }

    public static Tensor normal(Rng r, double std, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (std * r.nextGaussian());
        return t;
    }

    public static Tensor uniform(Rng r, double lo, double hi, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return t;
    }

    /** Small integers in [lo, hi]: ties on purpose (ARGMAX, GE, MAX). */
    public static Tensor integers(Rng r, int lo, int hi, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = lo + r.nextInt(hi - lo + 1);
        return t;
    }

    /** Values away from zero with random sign, magnitudes in [lo, hi] (divisors). */
    public static Tensor signedAway(Rng r, double lo, double hi, int... shape) {
        Tensor t = uniform(r, lo, hi, shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) if (r.nextInt(2) == 0) d[i] = -d[i];
        return t;
    }

    public static Tensor of(float... v) { return Tensor.of(v.clone(), v.length); }

    /** Same values as {@code x} but stored transposed in its last two axes: a non-contiguous view. */
    public static Tensor transposed(Tensor x) {
        int n = x.dim();
        Tensor stored = x.transpose(n - 2, n - 1).contiguous(); // [.., c, r] contiguous
        return stored.transpose(n - 2, n - 1);
    }

    /** Same values as {@code x}, contiguous but at offset {@code >0} inside a larger NaN-padded buffer. */
    public static Tensor offset(Tensor x) {
        if (x == null) return null;
        int[] s = x.shape();
        int[] big = s.clone();
        big[0] += 2;
        Tensor b = Tensor.full(Float.NaN, big);
        int row = x.numel() / Math.max(1, s[0]);
        System.arraycopy(x.toArray(), 0, b.data(), row, x.numel());
        return b.narrow(0, 1, s[0]);
    }

    /** x (with size-1 axes) broadcast to {@code shape} through stride-0 axes. */
    public static Tensor broadcast(Tensor x, int... shape) { return x.expand(shape); }

    /** "3x17", "scalar" for rank 0. */
    public static String dims(int... shape) {
        if (shape.length == 0) return "scalar";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) sb.append(i == 0 ? "" : "x").append(shape[i]);
        return sb.toString();
    }

    public static int numel(int... shape) { return Arrays.stream(shape).reduce(1, (a, b) -> a * b); }
}
