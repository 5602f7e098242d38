package svg.tensor.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import svg.tensor.backend.BinaryOp;
import svg.tensor.reference.ReferenceBackend;

/**
 * One small loop per binary op and operand pattern (both contiguous, or one side a broadcast scalar run), for the
 * same reason as {@link UnaryLoops}: vectors never cross a call the JIT may refuse to inline. Scalar tails and
 * other strides use the reference's scalar formula, which gives the same float result for these IEEE operations.
 */
final class BinaryLoops {
    private BinaryLoops() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** o[oi + i] = op(a[ai + i*sa], b[bi + i*sb]) for i in [0, n). */
    static void run(BinaryOp op, float[] a, int ai, int sa, float[] b, int bi, int sb, float[] o, int oi, int n) {
        int i = 0;
        if ((sa == 1 || sa == 0) && (sb == 1 || sb == 0) && !(sa == 0 && sb == 0)) {
            int mode = sa == 1 && sb == 1 ? 0 : sa == 1 ? 1 : 2;
            i = switch (op) {
                case ADD -> add(mode, a, ai, b, bi, o, oi, n);
                case SUB -> sub(mode, a, ai, b, bi, o, oi, n);
                case MUL -> mul(mode, a, ai, b, bi, o, oi, n);
                case DIV -> div(mode, a, ai, b, bi, o, oi, n);
                case MAX -> max(mode, a, ai, b, bi, o, oi, n);
                case GE -> ge(mode, a, ai, b, bi, o, oi, n);
                case POW -> 0;
            };
        }
        for (; i < n; i++) o[oi + i] = (float) ReferenceBackend.binaryScalar(op, a[ai + i * sa], b[bi + i * sb]);
    }

    /** Vector part of ADD; mode 0: both contiguous, 1: b broadcast, 2: a broadcast. Returns the elements done. */
    private static int add(int mode, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (mode == 0) {
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i), y = FloatVector.fromArray(S, b, bi + i);
                (x.add(y)).intoArray(o, oi + i);
            }
        } else if (mode == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bi]);
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i);
                (x.add(y)).intoArray(o, oi + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            for (; i <= n - L; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bi + i);
                (x.add(y)).intoArray(o, oi + i);
            }
        }
        return i;
    }

    /** Vector part of SUB; mode 0: both contiguous, 1: b broadcast, 2: a broadcast. Returns the elements done. */
    private static int sub(int mode, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (mode == 0) {
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i), y = FloatVector.fromArray(S, b, bi + i);
                (x.sub(y)).intoArray(o, oi + i);
            }
        } else if (mode == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bi]);
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i);
                (x.sub(y)).intoArray(o, oi + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            for (; i <= n - L; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bi + i);
                (x.sub(y)).intoArray(o, oi + i);
            }
        }
        return i;
    }

    /** Vector part of MUL; mode 0: both contiguous, 1: b broadcast, 2: a broadcast. Returns the elements done. */
    private static int mul(int mode, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (mode == 0) {
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i), y = FloatVector.fromArray(S, b, bi + i);
                (x.mul(y)).intoArray(o, oi + i);
            }
        } else if (mode == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bi]);
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i);
                (x.mul(y)).intoArray(o, oi + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            for (; i <= n - L; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bi + i);
                (x.mul(y)).intoArray(o, oi + i);
            }
        }
        return i;
    }

    /** Vector part of DIV; mode 0: both contiguous, 1: b broadcast, 2: a broadcast. Returns the elements done. */
    private static int div(int mode, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (mode == 0) {
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i), y = FloatVector.fromArray(S, b, bi + i);
                (x.div(y)).intoArray(o, oi + i);
            }
        } else if (mode == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bi]);
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i);
                (x.div(y)).intoArray(o, oi + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            for (; i <= n - L; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bi + i);
                (x.div(y)).intoArray(o, oi + i);
            }
        }
        return i;
    }

    /** Vector part of MAX; mode 0: both contiguous, 1: b broadcast, 2: a broadcast. Returns the elements done. */
    private static int max(int mode, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (mode == 0) {
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i), y = FloatVector.fromArray(S, b, bi + i);
                (x.max(y)).intoArray(o, oi + i);
            }
        } else if (mode == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bi]);
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i);
                (x.max(y)).intoArray(o, oi + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            for (; i <= n - L; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bi + i);
                (x.max(y)).intoArray(o, oi + i);
            }
        }
        return i;
    }

    /** Vector part of GE; mode 0: both contiguous, 1: b broadcast, 2: a broadcast. Returns the elements done. */
    private static int ge(int mode, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (mode == 0) {
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i), y = FloatVector.fromArray(S, b, bi + i);
                (FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GE, y))).intoArray(o, oi + i);
            }
        } else if (mode == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bi]);
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ai + i);
                (FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GE, y))).intoArray(o, oi + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            for (; i <= n - L; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bi + i);
                (FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GE, y))).intoArray(o, oi + i);
            }
        }
        return i;
    }
}
