package svg.tensor.autograd;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.conformance.Compare;
import svg.tensor.conformance.Inputs;
import svg.tensor.conformance.Oracle;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Finite-difference check of autograd. The scalar loss is L = sum(f(inputs) * R) with a fixed random R, accumulated
 * in double from the float32 outputs; the analytic gradient is f's backward of R. Each input element is moved by +-h
 * (the actual float step is used in the quotient) and the central difference (L+ - L-) / (x+ - x-) is compared with
 * the analytic gradient by {@link Compare}: per-element error relative to |numeric| + rms(numeric).
 *
 * <p>Noise budget: float32 outputs carry ~1e-7 relative error each, which the central difference divides by 2h; with
 * h = 1e-2 that is ~1e-5 of the gradient's scale, far below the default tolerance of 1e-2, while any wrong backward
 * formula (a missing term, a transpose, a broadcast summed the wrong way) is off by O(1).
 */
public final class GradCheck {
    private GradCheck() {}

    public static final double DEFAULT_STEP = 1e-2;
    public static final double DEFAULT_TOL = 1e-2;

    /** Checks every input that requires grad; inputs must be contiguous leaves (they are perturbed in place). */
    public static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(name, DEFAULT_STEP, DEFAULT_TOL, f, inputs);
    }

    public static void check(String name, double h, double tol, Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.node() != null) throw new IllegalArgumentException(name + ": inputs must be leaves");
            t.zeroGrad();
        }
        Tensor out = f.apply(inputs);
        if (!out.requiresGrad()) throw new AssertionError(name + ": output does not require grad");
        Rng rng = Inputs.rng("grad:" + name);
        Tensor r = Inputs.normal(rng, 1, out.shape());
        double[] rv = Oracle.read(r);
        out.backward(r);
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            if (!x.requiresGrad()) continue;
            if (x.grad() == null) throw new AssertionError(name + ": input " + k + " got no gradient");
            if (!Arrays.equals(x.grad().shape(), x.shape()))
                throw new AssertionError(name + ": input " + k + " gradient shape " + Arrays.toString(x.grad().shape()));
            double[] analytic = Oracle.read(x.grad());
            double[] numeric = new double[x.numel()];
            float[] d = x.data();
            for (int i = 0; i < numeric.length; i++) {
                int p = x.offset() + i; // contiguous leaf
                float orig = d[p];
                float xp = (float) (orig + h), xm = (float) (orig - h);
                d[p] = xp;
                double lp = loss(f, inputs, rv);
                d[p] = xm;
                double lm = loss(f, inputs, rv);
                d[p] = orig;
                numeric[i] = (lp - lm) / ((double) xp - xm);
            }
            String why = Compare.check(analytic, numeric, tol, 0);
            if (why != null) throw new AssertionError(name + ": gradient of input " + k + " " + Arrays.toString(x.shape()) + ": " + why);
        }
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] inputs, double[] r) {
        try (var g = GradMode.noGrad()) {
            double[] y = Oracle.read(f.apply(inputs));
            double s = 0;
            for (int i = 0; i < y.length; i++) s += y[i] * r[i];
            return s;
        }
    }

    /** A contiguous leaf with N(0, std) values that requires grad. */
    public static Tensor param(Rng r, double std, int... shape) { return Inputs.normal(r, std, shape).requiresGrad(true); }
}
