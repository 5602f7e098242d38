package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.backend.UnaryOp;

/**
 * One small array-to-array loop per unary op. Why one method each: vector values must never cross a call that the
 * JIT declines to inline (they would be boxed on the heap); keeping each loop small lets the JIT inline the
 * {@link VMath} function into it, and the dispatch in {@link #run} passes only arrays and indices. The tail of a run
 * goes through the same vector math under a lane mask, so every element gets identical arithmetic.
 */
final class UnaryLoops {
    private UnaryLoops() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** o[oi .. oi+n) = op(d[di .. di+n)); LOG runs scalar (Math.log gives the same bits in every execution mode). */
    static void run(UnaryOp op, float[] d, int di, float[] o, int oi, int n) {
        switch (op) {
            case LOG -> { for (int i = 0; i < n; i++) o[oi + i] = (float) Math.log(d[di + i]); }
            case NEG -> neg(d, di, o, oi, n);
            case ABS -> abs(d, di, o, oi, n);
            case SQRT -> sqrt(d, di, o, oi, n);
            case RSQRT -> rsqrt(d, di, o, oi, n);
            case EXP -> exp(d, di, o, oi, n);
            case TANH -> tanh(d, di, o, oi, n);
            case SIGMOID -> sigmoid(d, di, o, oi, n);
            case GELU -> gelu(d, di, o, oi, n);
            case GELU_TANH -> geluTanh(d, di, o, oi, n);
            case SILU -> silu(d, di, o, oi, n);
            case STEP -> step(d, di, o, oi, n);
            case GELU_GRAD -> geluGrad(d, di, o, oi, n);
            case GELU_TANH_GRAD -> geluTanhGrad(d, di, o, oi, n);
            case SILU_GRAD -> siluGrad(d, di, o, oi, n);
        }
    }

    private static void neg(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (x.neg()).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (x.neg()).intoArray(o, oi + i, m);
        }
    }

    private static void abs(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (x.abs()).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (x.abs()).intoArray(o, oi + i, m);
        }
    }

    private static void sqrt(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (x.sqrt()).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (x.sqrt()).intoArray(o, oi + i, m);
        }
    }

    private static void rsqrt(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.ONE.div(x.sqrt())).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.ONE.div(x.sqrt())).intoArray(o, oi + i, m);
        }
    }

    private static void exp(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.exp(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.exp(x)).intoArray(o, oi + i, m);
        }
    }

    private static void tanh(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.tanh(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.tanh(x)).intoArray(o, oi + i, m);
        }
    }

    private static void sigmoid(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.sigmoid(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.sigmoid(x)).intoArray(o, oi + i, m);
        }
    }

    private static void gelu(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.gelu(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.gelu(x)).intoArray(o, oi + i, m);
        }
    }

    private static void geluTanh(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.geluTanh(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.geluTanh(x)).intoArray(o, oi + i, m);
        }
    }

    private static void silu(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.silu(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.silu(x)).intoArray(o, oi + i, m);
        }
    }

    private static void step(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GT, 0f))).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GT, 0f))).intoArray(o, oi + i, m);
        }
    }

    private static void geluGrad(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.geluGrad(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.geluGrad(x)).intoArray(o, oi + i, m);
        }
    }

    private static void geluTanhGrad(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.geluTanhGrad(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.geluTanhGrad(x)).intoArray(o, oi + i, m);
        }
    }

    private static void siluGrad(float[] d, int di, float[] o, int oi, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, d, di + i);
            (VMath.siluGrad(x)).intoArray(o, oi + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, d, di + i, m);
            (VMath.siluGrad(x)).intoArray(o, oi + i, m);
        }
    }
}
