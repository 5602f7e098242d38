package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math built only from IEEE-exact operations (add, mul, fma, div, compare, bit moves).
 *
 * <p>Why not {@code lanewise(EXP)} or {@code reduceLanes(ADD)}: the JIT implements those with a vector math library
 * or a tree reduction, while the interpreter's fallback computes lane by lane in order, so the same call could give
 * different bits before and after compilation. Everything here gives the same bits in every execution mode, which the
 * thread-count determinism guarantee relies on.
 */
final class VMath {
    private VMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    static final int L = S.length();

    // Rotations by 8, 4, 2, 1 lanes for the pairwise lane sum. Separate constants, not an array: the JIT only
    // intrinsifies a rearrange whose shuffle it can see as a constant (from an array it fell back to Java code).
    private static final VectorShuffle<Float> R8 = rot(8), R4 = rot(4), R2 = rot(2), R1 = rot(1);

    private static VectorShuffle<Float> rot(int w) { return VectorShuffle.fromOp(S, i -> (i + w) & (L - 1)); }

    /** Sum of the lanes by a fixed pairwise tree (explicit lane moves and adds: the same bits in every mode). */
    static float sum(FloatVector v) {
        if (L > 16) { // wider than any shuffle constant above: lane order
            float s = 0f;
            for (int i = 0; i < L; i++) s += v.lane(i);
            return s;
        }
        if (L >= 16) v = v.add(v.rearrange(R8));
        if (L >= 8) v = v.add(v.rearrange(R4));
        if (L >= 4) v = v.add(v.rearrange(R2));
        if (L >= 2) v = v.add(v.rearrange(R1));
        return v.lane(0);
    }

    /**
     * o[oi .. oi+n) = exp(x[xi ..] - sub) and returns their sum (vector lanes, then the masked tail). With
     * {@code store} false only the sum is produced.
     */
    static float expSubSum(float[] x, int xi, float sub, float[] o, int oi, int n, boolean store) {
        FloatVector sv = FloatVector.broadcast(S, sub), acc = FloatVector.zero(S);
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector e = exp(FloatVector.fromArray(S, x, xi + j).sub(sv));
            acc = acc.add(e);
            if (store) e.intoArray(o, oi + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector e = exp(FloatVector.fromArray(S, x, xi + j, m).sub(sv)).blend(0f, m.not());
            acc = acc.add(e);
            if (store) e.intoArray(o, oi + j, m);
        }
        return sum(acc);
    }

    private static final VectorSpecies<Integer> SI_S = IntVector.SPECIES_PREFERRED;

    /**
     * Hash of the bit patterns of d[i .. i+n): per lane h = h * C + bits (mod 2^32, C odd), lanes then folded. A change
     * of any single element always changes its lane's hash (C^r is invertible mod 2^32).
     */
    static long hash(float[] d, int i, int n) {
        final int c = 0x9E3779B1;
        IntVector h = IntVector.zero(SI_S);
        int j = 0, lanes = SI_S.length();
        if (lanes == L) {
            for (; j <= n - L; j += L) h = h.mul(c).add(FloatVector.fromArray(S, d, i + j).reinterpretAsInts());
        }
        long r = n;
        for (int l = 0; l < lanes; l++) r = r * 0x100000001B3L + (h.lane(l) & 0xffffffffL);
        for (; j < n; j++) r = r * 0x100000001B3L + Float.floatToRawIntBits(d[i + j]);
        return r;
    }

    /** x[i .. i+n) *= f. */
    static void scale(float[] x, int i, int n, float f) {
        FloatVector fv = FloatVector.broadcast(S, f);
        int j = 0;
        for (; j <= n - L; j += L) FloatVector.fromArray(S, x, i + j).mul(fv).intoArray(x, i + j);
        for (; j < n; j++) x[i + j] *= f;
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5 * 2^23: adding it rounds to an integer in the low bits
    private static final float EXP_HI = 88.3762626647949f, EXP_LO = -87.3365447504f;

    /** e^x to about 2 ulp (Cephes expf polynomial); 0 below -87.34, +inf above 88.38, NaN stays NaN. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = n.fma(bc(-LN2_HI), xc);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f);
        p = p.fma(r, bc(8.3334519073E-3f));
        p = p.fma(r, bc(4.1665795894E-2f));
        p = p.fma(r, bc(1.6666665459E-1f));
        p = p.fma(r, bc(5.0000001201E-1f));
        p = p.mul(r.mul(r)).add(r).add(1f);
        // 2^n built from the exponent bits; n is in [-126, 128] after clamping
        IntVector ni = t.reinterpretAsInts().sub(0x4B400000);
        // split the scale in two so n = 128 (x near the top of the range) does not overflow the exponent field
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        y = y.blend(0f, x.lt(EXP_LO));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
        VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
        return y.blend(x, nan);
    }

    static FloatVector bc(float v) { return FloatVector.broadcast(S, v); }

    static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    /** 1 / (1 + e^-x). */
    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(1f));
    }

    /** tanh: odd Taylor series near 0 (where 1 - 2/(e^2x + 1) cancels), the exp form elsewhere. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector big = ONE.sub(ONE.add(ONE).div(exp(ax.add(ax)).add(1f)));
        big = big.blend(1f, ax.compare(VectorOperators.GT, 20f));
        big = big.blend(big.neg(), x.lt(0f));
        FloatVector x2 = x.mul(x);
        // tanh x = x (1 - x^2/3 + 2x^4/15 - 17x^6/315 + 62x^8/2835 - 1382x^10/155925)
        FloatVector p = x2.fma(-1382f / 155925f, 62f / 2835f);
        p = p.fma(x2, bc(-17f / 315f));
        p = p.fma(x2, bc(2f / 15f));
        p = p.fma(x2, bc(-1f / 3f));
        p = p.fma(x2, bc(1f));
        FloatVector small = p.mul(x);
        FloatVector y = big.blend(small, ax.lt(0.3f));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /**
     * erfc(z) for z >= 0 with relative error below about 2e-7 everywhere (Numerical Recipes' Chebyshev fit), so that
     * GELU keeps its relative accuracy in the far negative tail where 1 + erf cancels.
     */
    static FloatVector erfcPos(FloatVector z) {
        FloatVector t = ONE.div(z.fma(0.5f, 1f));
        FloatVector p = t.fma(0.17087277f, -0.82215223f);
        p = p.fma(t, bc(1.48851587f));
        p = p.fma(t, bc(-1.13520398f));
        p = p.fma(t, bc(0.27886807f));
        p = p.fma(t, bc(-0.18628806f));
        p = p.fma(t, bc(0.09678418f));
        p = p.fma(t, bc(0.37409196f));
        p = p.fma(t, bc(1.00002368f));
        p = p.fma(t, bc(-1.26551223f));
        return t.mul(exp(p.sub(z.mul(z))));
    }

    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float GELU_C = 0.79788456080286536f;

    /** Standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2, accurate in both tails. */
    static FloatVector phi(FloatVector x) {
        FloatVector h = erfcPos(x.abs().mul(INV_SQRT2)).mul(0.5f);
        return h.neg().add(1f).blend(h, x.lt(0f));
    }

    /** Exact GELU x * Phi(x). */
    static FloatVector gelu(FloatVector x) { return x.mul(phi(x)); }

    /** d/dx x Phi(x) = Phi(x) + x * pdf(x). */
    static FloatVector geluGrad(FloatVector x) {
        FloatVector pdf = exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI);
        return x.fma(pdf, phi(x));
    }

    /** tanh-GELU as x * sigmoid(2u), the same value as 0.5 x (1 + tanh u) without the cancellation for x << 0. */
    static FloatVector geluTanh(FloatVector x) {
        FloatVector u = x.mul(x).fma(0.044715f * GELU_C, GELU_C).mul(x);
        return x.mul(sigmoid(u.add(u)));
    }

    /** 0.5(1 + th) + 0.5 x (1 - th^2) u' with th = tanh u, written with s = sigmoid(2u): s + 2 x s (1 - s) u'. */
    static FloatVector geluTanhGrad(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector u = x2.fma(0.044715f * GELU_C, GELU_C).mul(x);
        FloatVector du = x2.fma(3f * 0.044715f * GELU_C, GELU_C);
        FloatVector s = sigmoid(u.add(u));
        FloatVector t = s.mul(ONE.sub(s)).mul(du).mul(x);
        return t.add(t).add(s);
    }

    static FloatVector silu(FloatVector x) { return x.mul(sigmoid(x)); }

    /** s (1 + x (1 - s)) with s = sigmoid x. */
    static FloatVector siluGrad(FloatVector x) {
        FloatVector s = sigmoid(x);
        return s.mul(x.mul(ONE.sub(s)).add(1f));
    }
}
