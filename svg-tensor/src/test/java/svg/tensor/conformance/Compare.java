package svg.tensor.conformance;

/**
 * How a float32 result is compared with a float64 expectation.
 *
 * <p>The expectation is first rounded to float (what a perfect float32 kernel would return). Non-finite values are
 * checked separately and exactly: where the rounded expectation is NaN or +-Inf the result must be the same; where it
 * is finite the result must be finite. Finite elements must satisfy {@code |got - want| <= rtol * (|want| + scale)}
 * with {@code scale} the root mean square of the finite expectations (but at least {@code minScale}): relative error
 * for large elements, and an error relative to the tensor's magnitude for elements near zero, where cancellation
 * makes a per-element relative error meaningless. {@code minScale} gives one-element results of elementwise ops an
 * absolute floor, so that e.g. a derivative of 1e-11 in a function's tail is not held to 1e-5 relative accuracy
 * (torch in float32 does not reach it either).
 */
public final class Compare {
    private Compare() {}

    /** Null when {@code got} conforms, otherwise a description of the worst element. */
    public static String check(double[] got, double[] want, double rtol, double minScale) {
        if (got.length != want.length) return "length " + got.length + ", expected " + want.length;
        double ss = 0;
        int finite = 0;
        for (double w : want) {
            double f = (float) w;
            if (Double.isFinite(f)) { ss += f * f; finite++; }
        }
        double scale = finite == 0 ? 0 : Math.sqrt(ss / finite);
        scale = Math.max(scale, Math.max(minScale, Float.MIN_NORMAL));
        double worst = -1;
        int at = -1;
        for (int i = 0; i < got.length; i++) {
            double w = (float) want[i], g = got[i];
            if (!Double.isFinite(w)) {
                if (Double.compare(g, w) != 0 && !(Double.isNaN(g) && Double.isNaN(w)))
                    return "element " + i + " is " + g + ", expected non-finite " + w;
                continue;
            }
            if (!Double.isFinite(g)) return "element " + i + " is " + g + ", expected finite " + w;
            double err = Math.abs(g - w) / (Math.abs(w) + scale);
            if (err > worst) { worst = err; at = i; }
        }
        if (worst > rtol)
            return String.format("relative error %.3g > %.3g at element %d: got %s, expected %s (scale %.3g)",
                    worst, rtol, at, (float) got[at], (float) want[at], scale);
        return null;
    }
}
