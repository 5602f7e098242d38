package svg.tensor.conformance;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.BinaryOp;
import svg.tensor.backend.ReduceOp;
import svg.tensor.backend.UnaryOp;
import svg.tensor.conformance.OpCase.Expected;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import static svg.tensor.conformance.Inputs.*;

/**
 * Every case of the backend conformance harness (ggml's test-backend-ops, in Java): each Backend method on odd and
 * even sizes, edge sizes (1), the view layouts the contract allows, and sizes big enough to reach the blocked and
 * multi-threaded paths of fast kernels. Expectations come from {@link Oracle}, never from another backend.
 *
 * <p>To add an op: add a generator here that emits cases with {@code op} equal to the new Backend method's name;
 * {@code CatalogCoverageTest} fails until you do.
 */
public final class OpCatalog {
    private OpCatalog() {}

    /** Element-wise ops: float32 rounding of one operation (plus a transcendental's own error). */
    static final double TOL_ELEMENTWISE = 1e-5;
    /** Elementwise transcendental ops far out in their range (|x| up to 80), where range reduction loses bits. */
    static final double TOL_WIDE = 5e-5;
    /** Reductions, products, norms, convolutions, attention: float32 accumulation over up to ~10^4 terms. */
    static final double TOL_ACCUM = 1e-4;

    private static List<OpCase> all;

    /** All cases, built once per JVM (oracle results are memoised in the cases and shared by every backend). */
    public static synchronized List<OpCase> all() {
        if (all == null) {
            List<OpCase> c = new ArrayList<>();
            unary(c);
            binary(c);
            reduce(c);
            softmax(c);
            matmul(c);
            linear(c);
            norms(c);
            conv(c);
            convBf16(c);
            upsample(c);
            embedding(c);
            attention(c);
            rope(c);
            blocks(c);
            randomShapes(c);
            all = Collections.unmodifiableList(c);
        }
        return all;
    }

    /** Lists every case name (each one is a -Dsvg.op filter), grouped by Backend method, with counts. */
    public static void main(String[] args) {
        var byOp = new java.util.TreeMap<String, List<String>>();
        for (OpCase c : all()) byOp.computeIfAbsent(c.op(), k -> new ArrayList<>()).add(c.name());
        byOp.forEach((op, names) -> {
            System.out.println(op + " (" + names.size() + " cases)");
            names.forEach(n -> System.out.println("  " + n));
        });
        System.out.println(all().size() + " cases");
    }

    private static OpCase of(List<OpCase> out, String name, String op, String variant, double tol,
                             Function<Backend, Tensor> run, Supplier<Expected> exp) {
        // elementwise results are O(1) activations: an absolute error of rtol * 1e-3 is always fine there
        double minScale = op.equals("unary") || op.equals("binary") ? 1e-3 : 0;
        OpCase c = new OpCase(name, op, variant, tol, minScale, run, exp);
        out.add(c);
        return c;
    }

    private static Expected exp(double[] v, int... shape) { return new Expected(v, shape); }

    private static double[] rd(Tensor t) { return t == null ? null : Oracle.read(t); }

    // ---------------------------------------------------------------- elementwise

    private static final Set<UnaryOp> POSITIVE_DOMAIN = EnumSet.of(UnaryOp.LOG, UnaryOp.SQRT, UnaryOp.RSQRT);
    private static final Set<UnaryOp> SATURATING = EnumSet.of(UnaryOp.EXP, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.SILU,
            UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.GELU_GRAD, UnaryOp.GELU_TANH_GRAD, UnaryOp.SILU_GRAD);

    private static Tensor unaryInput(UnaryOp op, Rng r, int... shape) {
        return POSITIVE_DOMAIN.contains(op) ? uniform(r, 0.01, 10, shape) : normal(r, 3, shape);
    }

    private static void unary(List<OpCase> out) {
        for (UnaryOp op : UnaryOp.values()) {
            for (int[] s : new int[][]{{}, {1}, {3, 17}, {67, 33}, {2, 3, 5, 7}}) {
                String n = "unary(" + op + "," + dims(s) + ")";
                unaryCase(out, n, op, unaryInput(op, rng(n), s), TOL_ELEMENTWISE);
            }
            String n = "unary(" + op + ",17x33,transposed)";
            unaryCase(out, n, op, transposed(unaryInput(op, rng(n), 17, 33)), TOL_ELEMENTWISE);
            n = "unary(" + op + ",5x33,offset)";
            unaryCase(out, n, op, offset(unaryInput(op, rng(n), 5, 33)), TOL_ELEMENTWISE);
            n = "unary(" + op + ",1x33->5x33,broadcast)";
            unaryCase(out, n, op, broadcast(unaryInput(op, rng(n), 1, 33), 5, 33), TOL_ELEMENTWISE);
            if (SATURATING.contains(op)) {
                n = "unary(" + op + ",4x67,wide)";
                unaryCase(out, n, op, uniform(rng(n), -80, 80, 4, 67), TOL_WIDE);
            }
            float[] special = switch (op) {
                case NEG, ABS, EXP, TANH, SIGMOID, STEP ->
                        new float[]{Float.NEGATIVE_INFINITY, -1000f, -100f, -0f, 0f, 100f, 1000f, Float.POSITIVE_INFINITY};
                case LOG, SQRT, RSQRT -> new float[]{0f, 1e-30f, 1e30f, Float.POSITIVE_INFINITY};
                default -> new float[]{-1000f, -100f, -0f, 0f, 100f, 1000f};
            };
            n = "unary(" + op + ",specials)";
            unaryCase(out, n, op, Inputs.of(special), TOL_ELEMENTWISE);
        }
    }

    private static void unaryCase(List<OpCase> out, String name, UnaryOp op, Tensor x, double tol) {
        of(out, name, "unary", op.name(), tol, b -> b.unary(op, x), () -> {
            double[] v = rd(x);
            for (int i = 0; i < v.length; i++) v[i] = Oracle.unary(op.name(), v[i]);
            return exp(v, x.shape());
        });
    }

    private static Tensor binaryInput(BinaryOp op, boolean second, Rng r, int... shape) {
        return switch (op) {
            case DIV -> second ? signedAway(r, 0.25, 4, shape) : normal(r, 2, shape);
            case POW -> second ? uniform(r, -2.5, 2.5, shape) : uniform(r, 0.05, 4, shape);
            case GE, MAX -> integers(r, -2, 2, shape);
            default -> normal(r, 2, shape);
        };
    }

    private static void binary(List<OpCase> out) {
        for (BinaryOp op : BinaryOp.values()) {
            for (int[] s : new int[][]{{}, {1}, {3, 17}, {67, 33}, {2, 3, 5, 7}}) {
                String n = "binary(" + op + "," + dims(s) + ")";
                Rng r = rng(n);
                binaryCase(out, n, op, binaryInput(op, false, r, s), binaryInput(op, true, r, s));
            }
            String n = "binary(" + op + ",17x33,a=transposed,b=row-broadcast)";
            Rng r = rng(n);
            binaryCase(out, n, op, transposed(binaryInput(op, false, r, 17, 33)), broadcast(binaryInput(op, true, r, 1, 33), 17, 33));
            n = "binary(" + op + ",17x33,a=column-broadcast,b=offset)";
            r = rng(n);
            binaryCase(out, n, op, broadcast(binaryInput(op, false, r, 17, 1), 17, 33), offset(binaryInput(op, true, r, 17, 33)));
            n = "binary(" + op + ",5x67,a=offset,b=scalar-broadcast)";
            r = rng(n);
            binaryCase(out, n, op, offset(binaryInput(op, false, r, 5, 67)), broadcast(binaryInput(op, true, r), 5, 67));
            n = "binary(" + op + ",5x67,a=scalar-broadcast,b=transposed)";
            r = rng(n);
            binaryCase(out, n, op, broadcast(binaryInput(op, false, r), 5, 67), transposed(binaryInput(op, true, r, 5, 67)));
            n = "binary(" + op + ",2x3x5x7,a=2x1x5x1-broadcast,b=1x3x1x7-broadcast)";
            r = rng(n);
            binaryCase(out, n, op, broadcast(binaryInput(op, false, r, 2, 1, 5, 1), 2, 3, 5, 7),
                    broadcast(binaryInput(op, true, r, 1, 3, 1, 7), 2, 3, 5, 7));
        }
        binaryCase(out, "binary(DIV,specials)", BinaryOp.DIV, Inputs.of(1, -1, 0, 1, Float.POSITIVE_INFINITY),
                Inputs.of(0, 0, 0, Float.POSITIVE_INFINITY, 2));
        binaryCase(out, "binary(MAX,specials)", BinaryOp.MAX, Inputs.of(Float.NEGATIVE_INFINITY, -1, Float.POSITIVE_INFINITY),
                Inputs.of(-3, Float.NEGATIVE_INFINITY, 0));
    }

    private static void binaryCase(List<OpCase> out, String name, BinaryOp op, Tensor a, Tensor b) {
        of(out, name, "binary", op.name(), TOL_ELEMENTWISE, be -> be.binary(op, a, b), () -> {
            double[] x = rd(a), y = rd(b), v = new double[x.length];
            for (int i = 0; i < v.length; i++) v[i] = Oracle.binary(op.name(), x[i], y[i]);
            return exp(v, a.shape());
        });
    }

    // ---------------------------------------------------------------- rows

    private static void reduce(List<OpCase> out) {
        for (ReduceOp op : ReduceOp.values()) {
            for (int[] s : new int[][]{{1}, {17}, {1, 1}, {3, 17}, {67, 33}, {5, 1000}, {2, 3, 67}}) {
                String n = "reduceLast(" + op + "," + dims(s) + ")";
                reduceCase(out, n, op, normal(rng(n), 2, s));
            }
            String n = "reduceLast(" + op + ",7x33,offset)";
            reduceCase(out, n, op, offset(normal(rng(n), 2, 7, 33)));
            n = "reduceLast(" + op + ",9x17,ties)";
            reduceCase(out, n, op, integers(rng(n), -2, 2, 9, 17));
            n = "reduceLast(" + op + ",3x5,negative-infinity)";
            Tensor x = normal(rng(n), 2, 3, 5);
            x.data()[0] = x.data()[6] = x.data()[9] = Float.NEGATIVE_INFINITY;
            if (op != ReduceOp.SUM) reduceCase(out, n, op, x);
        }
    }

    private static void reduceCase(List<OpCase> out, String name, ReduceOp op, Tensor x) {
        int[] s = x.shape();
        int n = s[s.length - 1], rows = x.numel() / n;
        int[] os = java.util.Arrays.copyOf(s, s.length - 1);
        of(out, name, "reduceLast", op.name(), TOL_ACCUM, b -> b.reduceLast(op, x),
                () -> exp(Oracle.reduceLast(op.name(), rd(x), rows, n), os));
    }

    private static void softmax(List<OpCase> out) {
        for (boolean log : new boolean[]{false, true}) {
            String op = log ? "logSoftmax" : "softmax";
            for (int[] s : new int[][]{{1, 1}, {1, 17}, {3, 17}, {67, 33}, {2, 3, 67}, {4, 1000}}) {
                String n = op + "(" + dims(s) + ")";
                softmaxCase(out, n, log, normal(rng(n), 3, s));
            }
            String n = op + "(5x33,offset)";
            softmaxCase(out, n, log, offset(normal(rng(n), 3, 5, 33)));
            n = op + "(4x67,large-logits)";
            softmaxCase(out, n, log, normal(rng(n), 300, 4, 67));
            n = op + "(3x17,masked)";
            Tensor x = normal(rng(n), 2, 3, 17);
            for (int j = 5; j < 17; j++) x.data()[j] = Float.NEGATIVE_INFINITY; // row 0: causal-style mask
            for (int i = 0; i < 3; i++) x.data()[i * 17 + 16] = Float.NEGATIVE_INFINITY;
            softmaxCase(out, n, log, x);
        }
    }

    private static void softmaxCase(List<OpCase> out, String name, boolean log, Tensor x) {
        int[] s = x.shape();
        int n = s[s.length - 1], rows = x.numel() / n;
        of(out, name, log ? "logSoftmax" : "softmax", "", 2 * TOL_ELEMENTWISE,
                b -> log ? b.logSoftmax(x) : b.softmax(x), () -> exp(Oracle.softmax(rd(x), rows, n, log), s));
    }

    // ---------------------------------------------------------------- linear algebra

    private static void matmul(List<OpCase> out) {
        int[][] batches = {{1, 1}, {3, 3}, {3, 1}, {1, 3}};
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (int[] bt : batches) matmulCase(out, bt[0], bt[1], 17, 33, 5, ta == 1, tb == 1, false);
        int[][] sizes = {{1, 1, 1}, {1, 67, 1}, {3, 1, 17}, {67, 129, 33}, {64, 64, 64}, {33, 17, 67}};
        for (int[] s : sizes) {
            matmulCase(out, 1, 1, s[0], s[1], s[2], false, false, false);
            matmulCase(out, 2, 2, s[0], s[1], s[2], true, true, false);
        }
        // GEMM-sized: reaches the blocked, multi-threaded paths of a fast kernel
        matmulCase(out, 1, 1, 128, 256, 192, false, true, false);
        matmulCase(out, 1, 1, 131, 200, 97, false, false, false);
        matmulCase(out, 4, 1, 65, 64, 130, true, false, false);
        matmulCase(out, 2, 2, 17, 33, 5, false, false, true);
        matmulCase(out, 2, 1, 17, 33, 5, true, true, true);
    }

    private static void matmulCase(List<OpCase> out, int ba, int bb, int m, int k, int n, boolean ta, boolean tb, boolean off) {
        String name = "matmul(ba=" + ba + ",bb=" + bb + ",m=" + m + ",k=" + k + ",n=" + n + ",tA=" + (ta ? 1 : 0)
                + ",tB=" + (tb ? 1 : 0) + (off ? ",offset" : "") + ")";
        Rng r = rng(name);
        Tensor a = normal(r, 1, ba, ta ? k : m, ta ? m : k), b = normal(r, 1, bb, tb ? n : k, tb ? k : n);
        if (off) { a = offset(a); b = offset(b); }
        Tensor fa = a, fb = b;
        of(out, name, "matmul", "", TOL_ACCUM, be -> be.matmul(fa, ta, fb, tb), () -> exp(
                Oracle.matmul(rd(fa), ba, fa.size(1), fa.size(2), ta, rd(fb), bb, fb.size(1), fb.size(2), tb),
                Math.max(ba, bb), m, n));
    }

    private static void linear(List<OpCase> out) {
        int[][] sizes = {{1, 1, 1}, {3, 17, 33}, {67, 64, 3}, {5, 33, 67}, {200, 384, 96}, {9, 270, 50}};
        for (int[] s : sizes)
            for (boolean bias : new boolean[]{true, false}) linearCase(out, s[0], s[1], s[2], bias, false);
        linearCase(out, 7, 17, 9, true, true);
        weightsUpdatedInPlace(out);
        // bfloat16 weights (Tensor.isBf16): few rows stream the weight, more rows pack it; in > KC (256) and out
        // past a whole number of GEMM panels cover the blocked pack and the edges
        int[][] bf = {{1, 1, 1}, {1, 300, 67}, {4, 64, 200}, {5, 33, 67}, {67, 300, 97}, {200, 384, 96}};
        for (int[] s : bf) linearBf16Case(out, s[0], s[1], s[2]);
    }

    private static void linearBf16Case(List<OpCase> out, int rows, int in, int outF) {
        String name = "linear(rows=" + rows + ",in=" + in + ",out=" + outF + ",bias=1,bf16-weight)";
        Rng r = rng(name);
        Tensor x = normal(r, 1, rows, in), w = normal(r, 1.0 / Math.sqrt(in), outF, in).toBf16(), bias = normal(r, 1, outF);
        // the oracle sees the weight's exact bfloat16 values: the backend must compute with exactly those
        of(out, name, "linear", "", TOL_ACCUM, b -> b.linear(x, w, bias),
                () -> exp(Oracle.linear(rd(x), rows, in, rd(w), outF, rd(bias)), rows, outF));
    }

    /**
     * An optimiser writes new values into the same weight buffer between steps: a backend that caches packed or
     * device copies of weights must notice (the second call must use the new values).
     */
    private static void weightsUpdatedInPlace(List<OpCase> out) {
        String name = "linear(rows=33,in=64,out=48,bias=1,weights-updated-in-place)";
        Rng r = rng(name);
        Tensor x = normal(r, 1, 33, 64), w1 = normal(r, 0.1, 48, 64), w2 = normal(r, 0.1, 48, 64), b = normal(r, 1, 48);
        of(out, name, "linear", "", TOL_ACCUM, be -> {
            Tensor w = Tensor.of(w1.toArray(), 48, 64);
            be.linear(x, w, b);
            System.arraycopy(w2.toArray(), 0, w.data(), 0, w.numel()); // an optimiser step, in place
            return be.linear(x, w, b);
        }, () -> exp(Oracle.linear(rd(x), 33, 64, rd(w2), 48, rd(b)), 33, 48));
    }

    private static void linearCase(List<OpCase> out, int rows, int in, int outF, boolean hasBias, boolean off) {
        String name = "linear(rows=" + rows + ",in=" + in + ",out=" + outF + ",bias=" + (hasBias ? 1 : 0) + (off ? ",offset" : "") + ")";
        Rng r = rng(name);
        Tensor x = normal(r, 1, rows, in), w = normal(r, 1.0 / Math.sqrt(in), outF, in);
        Tensor bias = hasBias ? normal(r, 1, outF) : null;
        if (off) { x = offset(x); w = offset(w); bias = offset(bias); }
        Tensor fx = x, fw = w, fb = bias;
        of(out, name, "linear", "", TOL_ACCUM, b -> b.linear(fx, fw, fb),
                () -> exp(Oracle.linear(rd(fx), rows, in, rd(fw), outF, rd(fb)), rows, outF));
    }

    // ---------------------------------------------------------------- normalisation

    private static void norms(List<OpCase> out) {
        int[][] sizes = {{1, 1}, {1, 17}, {3, 17}, {67, 384}, {2, 1000}};
        for (int[] s : sizes) {
            for (int wb = 0; wb < 3; wb++) layerNormCase(out, s[0], s[1], wb >= 1, wb == 2, 1e-6f, 0, false);
            for (boolean w : new boolean[]{true, false}) rmsNormCase(out, s[0], s[1], w, 1e-6f, false);
        }
        // a large mean makes a one-pass float E[x^2] - E[x]^2 variance lose every significant bit
        layerNormCase(out, 5, 67, true, true, 1e-5f, 100, false);
        layerNormCase(out, 4, 33, true, true, 1e-5f, 0, true);
        rmsNormCase(out, 4, 33, true, 1e-5f, true);
        int[][] gn = {{1, 4, 1, 4}, {2, 6, 17, 3}, {1, 8, 33, 1}, {2, 64, 256, 32}, {1, 3, 7, 3}};
        for (int[] s : gn)
            for (boolean wb : new boolean[]{true, false}) groupNormCase(out, s[0], s[1], s[2], s[3], wb);
    }

    private static void layerNormCase(List<OpCase> out, int rows, int n, boolean hasW, boolean hasB, float eps, double mean, boolean off) {
        String name = "layerNorm(rows=" + rows + ",n=" + n + ",weight=" + (hasW ? 1 : 0) + ",bias=" + (hasB ? 1 : 0)
                + ",eps=" + eps + (mean != 0 ? ",mean=" + mean : "") + (off ? ",offset" : "") + ")";
        Rng r = rng(name);
        Tensor x = normal(r, 2, rows, n);
        if (mean != 0) for (int i = 0; i < x.numel(); i++) x.data()[i] += (float) mean;
        Tensor w = hasW ? normal(r, 1, n) : null, b = hasB ? normal(r, 1, n) : null;
        if (off) { x = offset(x); w = offset(w); b = offset(b); }
        Tensor fx = x, fw = w, fb = b;
        of(out, name, "layerNorm", "", TOL_ACCUM, be -> be.layerNorm(fx, fw, fb, eps),
                () -> exp(Oracle.layerNorm(rd(fx), rows, n, rd(fw), rd(fb), eps), rows, n));
        // the fused gradients at the same shapes: layerNorm of rows is groupNorm of [rows, n, 1] with one group
        String bname = "layerNormBackward" + name.substring("layerNorm".length());
        Tensor gy0 = normal(rng(bname), 1, rows, n), gy = off ? offset(gy0) : gy0;
        int dxn = rows * n;
        of(out, bname, "layerNormBackward", "", TOL_ACCUM, be -> be.layerNormBackward(fx, gy, fw, eps),
                () -> exp(java.util.Arrays.copyOf(Oracle.groupNormBackward(rd(fx), rd(gy), rows, n, 1, 1, rd(fw), eps), dxn), rows, n));
        if (hasW || hasB)
            of(out, "layerNormBackwardAffine" + name.substring("layerNorm".length()), "layerNormBackwardAffine", "", TOL_ACCUM,
                    be -> be.layerNormBackwardAffine(fx, gy, eps),
                    () -> exp(java.util.Arrays.copyOfRange(Oracle.groupNormBackward(rd(fx), rd(gy), rows, n, 1, 1, null, eps), dxn, dxn + 2 * n), 2, n));
    }

    private static void rmsNormCase(List<OpCase> out, int rows, int n, boolean hasW, float eps, boolean off) {
        String name = "rmsNorm(rows=" + rows + ",n=" + n + ",weight=" + (hasW ? 1 : 0) + ",eps=" + eps + (off ? ",offset" : "") + ")";
        Rng r = rng(name);
        Tensor x = normal(r, 2, rows, n), w = hasW ? normal(r, 1, n) : null;
        if (off) { x = offset(x); w = offset(w); }
        Tensor fx = x, fw = w;
        of(out, name, "rmsNorm", "", TOL_ACCUM, be -> be.rmsNorm(fx, fw, eps),
                () -> exp(Oracle.rmsNorm(rd(fx), rows, n, rd(fw), eps), rows, n));
    }

    private static void groupNormCase(List<OpCase> out, int nb, int c, int s, int groups, boolean wb) {
        String name = "groupNorm(n=" + nb + ",c=" + c + ",s=" + s + ",groups=" + groups + ",affine=" + (wb ? 1 : 0) + ")";
        Rng r = rng(name);
        Tensor x = normal(r, 2, nb, c, s);
        for (int i = 0; i < x.numel(); i++) x.data()[i] += 3; // a nonzero mean, as after a conv
        Tensor w = wb ? normal(r, 1, c) : null, b = wb ? normal(r, 1, c) : null;
        float eps = 1e-6f;
        of(out, name, "groupNorm", "", TOL_ACCUM, be -> be.groupNorm(x, groups, w, b, eps),
                () -> exp(Oracle.groupNorm(rd(x), nb, c, s, groups, rd(w), rd(b), eps), nb, c, s));
        // the fused gradients at the same shapes: dx (with and without the weight), and dw / db
        String bname = "groupNormBackward(n=" + nb + ",c=" + c + ",s=" + s + ",groups=" + groups + ",weight=" + (wb ? 1 : 0) + ")";
        Tensor gy = normal(rng(bname), 1, nb, c, s);
        int dxn = nb * c * s;
        of(out, bname, "groupNormBackward", "", TOL_ACCUM, be -> be.groupNormBackward(x, gy, groups, w, eps),
                () -> exp(java.util.Arrays.copyOf(Oracle.groupNormBackward(rd(x), rd(gy), nb, c, s, groups, rd(w), eps), dxn), nb, c, s));
        if (wb) {
            String aname = "groupNormBackwardAffine(n=" + nb + ",c=" + c + ",s=" + s + ",groups=" + groups + ")";
            of(out, aname, "groupNormBackwardAffine", "", TOL_ACCUM, be -> be.groupNormBackwardAffine(x, gy, groups, eps),
                    () -> exp(java.util.Arrays.copyOfRange(Oracle.groupNormBackward(rd(x), rd(gy), nb, c, s, groups, null, eps), dxn, dxn + 2 * c), 2, c));
        }
    }

    // ---------------------------------------------------------------- convolution, resampling, lookup

    private static void conv(List<OpCase> out) {
        // n, c, h, w, o, kh, kw, stride, pad
        int[][] cfgs = {
                {1, 1, 1, 1, 1, 1, 1, 1, 0},
                {2, 3, 7, 9, 5, 3, 3, 1, 1},
                {1, 4, 8, 8, 6, 3, 3, 2, 1},
                {2, 5, 9, 7, 3, 4, 4, 2, 1},
                {1, 3, 17, 17, 8, 1, 1, 1, 0},
                {1, 3, 5, 6, 2, 3, 3, 1, 0},
                {1, 2, 7, 6, 3, 3, 1, 3, 2},
                {1, 16, 16, 16, 32, 3, 3, 1, 1},
                // stride 1, rows wider than a vector: vector copies clipped at both padded ends, panels across rows
                {1, 3, 20, 40, 8, 3, 3, 1, 1},
                {1, 2, 11, 37, 6, 5, 5, 1, 2},
                // C*kh*kw = 360 > the GEMM's K block (256): packing resumes mid-tap in the second block
                {1, 40, 9, 21, 6, 3, 3, 1, 1},
                {1, 30, 7, 8, 9, 3, 3, 2, 1},
                // at most 4 output channels, stride 1 (direct path): vector chunks, single vectors, scalar edges
                {2, 4, 5, 70, 3, 3, 3, 1, 1},
                {1, 3, 4, 40, 4, 3, 5, 1, 2},
                {1, 2, 6, 50, 1, 3, 3, 1, 1},
                // batched implicit GEMM (conv2d, and the input gradient as a conv with the flipped kernel): panels
                // across image boundaries (8x8 and 5x7 images), no padding, the 5x5 kernel, stride 2 on many images
                {5, 6, 8, 8, 9, 3, 3, 1, 1},
                {3, 7, 5, 7, 12, 3, 3, 1, 1},
                {4, 5, 6, 9, 7, 3, 3, 1, 0},
                {3, 3, 9, 8, 6, 5, 5, 1, 2},
                {4, 6, 9, 9, 8, 3, 3, 2, 1},
                // more pixels than one group's GEMM (svg.conv.cols, 4096): 9 images of 24x24 in two groups
                {9, 6, 24, 24, 8, 3, 3, 1, 1},
                // the stride-1 weight gradient's channel-last B panels: 2 input channels, so a panel row is 9 runs
                // of 2 floats (one per tap); 40 images of 8x8 in one group of 2560 pixels
                {40, 2, 8, 8, 5, 3, 3, 1, 1},
                // padding >= kernel size: the input gradient takes the col2im path
                {2, 3, 5, 5, 6, 3, 3, 1, 3},
        };
        for (int[] g : cfgs) convGeometry(out, g);
    }

    /** conv2d with and without bias, and both backward ops, for one geometry {n, c, h, w, o, kh, kw, stride, pad}. */
    private static void convGeometry(List<OpCase> out, int[] g) {
        Oracle.Conv cv = new Oracle.Conv(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8]);
        String geo = "n=" + cv.n() + ",c=" + cv.c() + ",h=" + cv.h() + ",w=" + cv.w() + ",o=" + cv.o() + ",k="
                + cv.kh() + "x" + cv.kw() + ",stride=" + cv.stride() + ",pad=" + cv.pad();
        for (boolean hasBias : new boolean[]{true, false}) {
            String name = "conv2d(" + geo + ",bias=" + (hasBias ? 1 : 0) + ")";
            Rng r = rng(name);
            Tensor x = normal(r, 1, cv.n(), cv.c(), cv.h(), cv.w());
            Tensor w = normal(r, 1, cv.o(), cv.c(), cv.kh(), cv.kw());
            Tensor b = hasBias ? normal(r, 1, cv.o()) : null;
            of(out, name, "conv2d", "", TOL_ACCUM, be -> be.conv2d(x, w, b, cv.stride(), cv.pad()),
                    () -> exp(Oracle.conv2d(cv, rd(x), rd(w), rd(b)), cv.n(), cv.o(), cv.oh(), cv.ow()));
        }
        String name = "conv2dBackwardInput(" + geo + ")";
        Rng r = rng(name);
        Tensor gy = normal(r, 1, cv.n(), cv.o(), cv.oh(), cv.ow()), w = normal(r, 1, cv.o(), cv.c(), cv.kh(), cv.kw());
        of(out, name, "conv2dBackwardInput", "", TOL_ACCUM,
                be -> be.conv2dBackwardInput(gy, w, cv.h(), cv.w(), cv.stride(), cv.pad()),
                () -> exp(Oracle.conv2dBackwardInput(cv, rd(gy), rd(w)), cv.n(), cv.c(), cv.h(), cv.w()));
        name = "conv2dBackwardWeight(" + geo + ")";
        r = rng(name);
        Tensor gy2 = normal(r, 1, cv.n(), cv.o(), cv.oh(), cv.ow()), x = normal(r, 1, cv.n(), cv.c(), cv.h(), cv.w());
        of(out, name, "conv2dBackwardWeight", "", TOL_ACCUM,
                be -> be.conv2dBackwardWeight(gy2, x, cv.kh(), cv.kw(), cv.stride(), cv.pad()),
                () -> exp(Oracle.conv2dBackwardWeight(cv, rd(gy2), rd(x)), cv.o(), cv.c(), cv.kh(), cv.kw()));
    }

    /** conv2d with a bfloat16 weight (Tensor.isBf16): backends compute with exactly its values (the oracle's). */
    private static void convBf16(List<OpCase> out) {
        int[][] cfgs = {{2, 3, 7, 9, 5, 3, 3, 1, 1}, {1, 4, 8, 8, 6, 3, 3, 2, 1}, {1, 16, 16, 16, 32, 3, 3, 1, 1}};
        for (int[] g : cfgs) {
            Oracle.Conv cv = new Oracle.Conv(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8]);
            String name = "conv2d(n=" + cv.n() + ",c=" + cv.c() + ",h=" + cv.h() + ",w=" + cv.w() + ",o=" + cv.o() + ",k="
                    + cv.kh() + "x" + cv.kw() + ",stride=" + cv.stride() + ",pad=" + cv.pad() + ",bias=1,bf16-weight)";
            Rng r = rng(name);
            Tensor x = normal(r, 1, cv.n(), cv.c(), cv.h(), cv.w());
            Tensor w = normal(r, 1, cv.o(), cv.c(), cv.kh(), cv.kw()).toBf16();
            Tensor b = normal(r, 1, cv.o());
            of(out, name, "conv2d", "", TOL_ACCUM, be -> be.conv2d(x, w, b, cv.stride(), cv.pad()),
                    () -> exp(Oracle.conv2d(cv, rd(x), rd(w), rd(b)), cv.n(), cv.o(), cv.oh(), cv.ow()));
        }
    }

    private static void upsample(List<OpCase> out) {
        for (int[] s : new int[][]{{1, 1, 1, 1}, {2, 3, 5, 7}, {1, 16, 17, 33}}) {
            String name = "upsampleNearest2x(" + dims(s) + ")";
            Tensor x = normal(rng(name), 1, s);
            of(out, name, "upsampleNearest2x", "", 0, b -> b.upsampleNearest2x(x),
                    () -> exp(Oracle.upsample2x(rd(x), s[0] * s[1], s[2], s[3]), s[0], s[1], 2 * s[2], 2 * s[3]));
        }
        String name = "upsampleNearest2x(2x3x5x7,offset)";
        Tensor x = offset(normal(rng(name), 1, 2, 3, 5, 7));
        of(out, name, "upsampleNearest2x", "", 0, b -> b.upsampleNearest2x(x),
                () -> exp(Oracle.upsample2x(rd(x), 6, 5, 7), 2, 3, 10, 14));
    }

    private static void embedding(List<OpCase> out) {
        int[][] cfg = {{1, 1, 1}, {17, 33, 40}, {100, 64, 7}, {5, 3, 0}};
        for (int[] c : cfg) {
            int v = c[0], d = c[1];
            String name = "embedding(vocab=" + v + ",d=" + d + ",ids=" + c[2] + ")";
            Rng r = rng(name);
            Tensor table = normal(r, 1, v, d);
            int[] ids = new int[c[2]];
            for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(v);
            of(out, name, "embedding", "", 0, b -> b.embedding(table, ids.clone()),
                    () -> exp(Oracle.embedding(rd(table), d, ids), ids.length, d));
            name = "embeddingBackward(vocab=" + v + ",d=" + d + ",ids=" + c[2] + ")";
            r = rng(name);
            Tensor g = normal(r, 1, ids.length, d);
            of(out, name, "embeddingBackward", "", TOL_ACCUM, b -> b.embeddingBackward(g, ids.clone(), v),
                    () -> exp(Oracle.embeddingBackward(rd(g), d, ids, v), v, d));
        }
        String name = "embeddingBackward(vocab=4,d=17,ids=3,3,3,0,3)";
        Tensor g = normal(rng(name), 1, 5, 17);
        int[] ids = {3, 3, 3, 0, 3};
        of(out, name, "embeddingBackward", "", TOL_ACCUM, b -> b.embeddingBackward(g, ids.clone(), 4),
                () -> exp(Oracle.embeddingBackward(rd(g), 17, ids, 4), 4, 17));
        name = "embedding(vocab=9,d=5,offset)";
        Rng r = rng(name);
        Tensor t = offset(normal(r, 1, 9, 5));
        int[] ids2 = {8, 0, 4, 4};
        of(out, name, "embedding", "", 0, b -> b.embedding(t, ids2.clone()), () -> exp(Oracle.embedding(rd(t), 5, ids2), 4, 5));
    }

    // ---------------------------------------------------------------- attention, rope

    private enum Mask { NONE, RANDOM, CAUSAL }

    private static void attention(List<OpCase> out) {
        // b, h, tq, tk, d, dv
        attentionCase(out, 1, 1, 1, 1, 1, 1, Mask.NONE);
        attentionCase(out, 2, 3, 17, 33, 16, 8, Mask.NONE);
        attentionCase(out, 2, 3, 17, 33, 16, 8, Mask.RANDOM);
        attentionCase(out, 1, 2, 33, 33, 64, 64, Mask.CAUSAL);
        attentionCase(out, 2, 1, 5, 67, 32, 16, Mask.CAUSAL);
        attentionCase(out, 1, 2, 67, 3, 8, 24, Mask.RANDOM);
        attentionCase(out, 1, 4, 129, 129, 64, 64, Mask.NONE);
        // head sizes that are not whole 4-vector tiles (DiT-XL: 72): masked tail vectors, 6-row and leftover rows,
        // two key blocks
        attentionCase(out, 1, 2, 71, 200, 72, 72, Mask.NONE);
        attentionCase(out, 2, 1, 23, 41, 24, 88, Mask.RANDOM);
    }

    private static void attentionCase(List<OpCase> out, int b, int h, int tq, int tk, int d, int dv, Mask mask) {
        String name = "attention(b=" + b + ",h=" + h + ",tq=" + tq + ",tk=" + tk + ",d=" + d + ",dv=" + dv + ",mask=" + mask.name().toLowerCase() + ")";
        Rng r = rng(name);
        Tensor q = normal(r, 1, b, h, tq, d), k = normal(r, 1, b, h, tk, d), v = normal(r, 1, b, h, tk, dv);
        Tensor m = switch (mask) {
            case NONE -> null;
            case RANDOM -> normal(r, 2, tq, tk);
            case CAUSAL -> {
                // query i sees keys up to i + (tk - tq): the last tq positions of a tk-long sequence
                Tensor c = Tensor.zeros(tq, tk);
                for (int i = 0; i < tq; i++)
                    for (int j = i + tk - tq + 1; j < tk; j++) c.data()[i * tk + j] = Float.NEGATIVE_INFINITY;
                yield c;
            }
        };
        float scale = (float) (1.0 / Math.sqrt(d));
        of(out, name, "attention", "", TOL_ACCUM, be -> be.attention(q, k, v, m, scale),
                () -> exp(Oracle.attention(rd(q), rd(k), rd(v), rd(m), b * h, tq, tk, d, dv, scale), b, h, tq, dv));
    }

    private static void rope(List<OpCase> out) {
        for (int[] s : new int[][]{{1, 1, 1, 2}, {2, 3, 17, 64}, {1, 2, 33, 8}, {2, 1, 5, 6}}) {
            String name = "rope(" + dims(s) + ")";
            Rng r = rng(name);
            Tensor x = normal(r, 1, s);
            // independent angles per column: the op is defined column by column, not only for duplicated halves
            Tensor ang = uniform(r, -4, 4, s[2], s[3]);
            Tensor sin = Tensor.zeros(s[2], s[3]), cos = Tensor.zeros(s[2], s[3]);
            for (int i = 0; i < ang.numel(); i++) {
                sin.data()[i] = (float) Math.sin(ang.data()[i]);
                cos.data()[i] = (float) Math.cos(ang.data()[i]);
            }
            of(out, name, "rope", "", TOL_ELEMENTWISE, b -> b.rope(x, sin, cos),
                    () -> exp(Oracle.rope(rd(x), s[0] * s[1], s[2], s[3], rd(sin), rd(cos)), s));
        }
    }

    // ---------------------------------------------------------------- random shapes

    /** Sizes that hit vector tails, block edges and degenerate axes. */
    private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 67, 96, 127, 129};

    private static int pick(Rng r, int max) {
        int v;
        do { v = SIZES[r.nextInt(SIZES.length)]; } while (v > max);
        return v;
    }

    private static int[] randomShape(Rng r, int rank, int max) {
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = pick(r, max);
        return s;
    }

    /**
     * Shapes drawn from a fixed-seed stream over {@link #SIZES}. The drawn sizes are part of each case's name, and
     * the name seeds the values, so every case reproduces from its name like the hand-picked ones.
     */
    private static void randomShapes(List<OpCase> out) {
        Rng r = new Rng(20251125);
        for (UnaryOp op : UnaryOp.values()) {
            int[] s = randomShape(r, 1 + r.nextInt(4), 67);
            String n = "unary(" + op + "," + dims(s) + ",random)";
            unaryCase(out, n, op, unaryInput(op, rng(n), s), TOL_ELEMENTWISE);
        }
        for (BinaryOp op : BinaryOp.values()) {
            int[] s = randomShape(r, 1 + r.nextInt(4), 67), sa = s.clone(), sb = s.clone();
            for (int i = 0; i < s.length; i++) { // broadcast a random subset of axes of each operand
                int k = r.nextInt(4);
                if (k == 0) sa[i] = 1; else if (k == 1) sb[i] = 1;
            }
            String n = "binary(" + op + "," + dims(sa) + "+" + dims(sb) + "->" + dims(s) + ",random)";
            Rng v = rng(n);
            binaryCase(out, n, op, broadcast(binaryInput(op, false, v, sa), s), broadcast(binaryInput(op, true, v, sb), s));
        }
        for (ReduceOp op : ReduceOp.values())
            for (int i = 0; i < 2; i++) {
                int[] s = randomShape(r, 1 + r.nextInt(3), 129);
                String n = "reduceLast(" + op + "," + dims(s) + ",random)";
                reduceCase(out, n, op, normal(rng(n), 2, s));
            }
        for (boolean log : new boolean[]{false, true})
            for (int i = 0; i < 3; i++) {
                int[] s = randomShape(r, 2, 129);
                String n = (log ? "logSoftmax" : "softmax") + "(" + dims(s) + ",random)";
                softmaxCase(out, n, log, normal(rng(n), 3, s));
            }
        for (int i = 0; i < 8; i++) {
            int bat = pick(r, 3), pattern = r.nextInt(3);
            int ba = pattern == 1 ? 1 : bat, bb = pattern == 2 ? 1 : bat;
            matmulCase(out, ba, bb, pick(r, 129), pick(r, 129), pick(r, 129), r.nextInt(2) == 1, r.nextInt(2) == 1, false);
        }
        for (int i = 0; i < 4; i++) linearCase(out, pick(r, 129), pick(r, 129), pick(r, 129), r.nextInt(2) == 1, false);
        for (int i = 0; i < 3; i++) {
            int rows = pick(r, 67), n = pick(r, 129);
            layerNormCase(out, rows, n, r.nextInt(2) == 1, r.nextInt(2) == 1, 1e-6f, 0, false);
            rmsNormCase(out, rows, n, r.nextInt(2) == 1, 1e-6f, false);
            int groups = pick(r, 8), c = groups * pick(r, 8);
            groupNormCase(out, pick(r, 3), c, pick(r, 67), groups, r.nextInt(2) == 1);
        }
        for (int i = 0; i < 4; i++) {
            int k = 1 + r.nextInt(5), kw = r.nextInt(3) == 0 ? 1 + r.nextInt(5) : k, stride = 1 + r.nextInt(3);
            int pad = r.nextInt(Math.max(k, kw) / 2 + 1);
            int h = Math.max(k, pick(r, 17)), w = Math.max(kw, pick(r, 17));
            convGeometry(out, new int[]{pick(r, 2), pick(r, 9), h, w, pick(r, 9), k, kw, stride, pad});
        }
        for (int i = 0; i < 4; i++) {
            Mask m = Mask.values()[r.nextInt(3)];
            int tq = pick(r, 67), tk = m == Mask.CAUSAL ? Math.max(tq, pick(r, 67)) : pick(r, 67);
            attentionCase(out, pick(r, 2), pick(r, 4), tq, tk, pick(r, 64), pick(r, 64), m);
        }
    }

    // ---------------------------------------------------------------- blocks

    /** A few ops through runBlock, twice, as a device backend replays a recorded block (results must not go stale). */
    private static void blocks(List<OpCase> out) {
        String name = "runBlock(linear>unary(GELU_TANH)>layerNorm,rows=9,in=33,out=17,calls=2)";
        Rng r = rng(name);
        Tensor x = normal(r, 1, 9, 33), w = normal(r, 0.2, 17, 33), bias = normal(r, 1, 17);
        Tensor x2 = normal(r, 1, 9, 33);
        of(out, name, "runBlock", "", TOL_ACCUM, be -> {
            Function<Tensor, Tensor> block = in -> be.runBlock("conformance",
                    () -> be.layerNorm(be.unary(UnaryOp.GELU_TANH, be.linear(in, w, bias)), null, null, 1e-6f));
            block.apply(x);
            return block.apply(x2); // the second call must see the new input
        }, () -> {
            double[] h = Oracle.linear(rd(x2), 9, 33, rd(w), 17, rd(bias));
            for (int i = 0; i < h.length; i++) h[i] = Oracle.unary("GELU_TANH", (float) h[i]);
            return exp(Oracle.layerNorm(h, 9, 17, null, null, 1e-6), 9, 17);
        });
    }
}
