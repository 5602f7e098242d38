package svg.tensor;

import org.junit.jupiter.api.Test;
import svg.tensor.conformance.Compare;
import svg.tensor.conformance.Inputs;
import svg.tensor.conformance.Oracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plumbing between Tensor methods and the backend: ops on every kind of view (transposed, offset, permuted
 * batch axes, stride-0 batch broadcast) against the float64 oracle on the views' values. This is where a wrong
 * stride or a skipped copy would hide, since the Backend catalog only sees what Tensor hands it.
 */
class TensorViewOpsTest {
    private static final double TOL = 1e-4;

    private static void close(String what, Tensor got, double[] want, int... shape) {
        assertArrayEquals(shape, got.shape(), what + ": shape");
        String why = Compare.check(Oracle.read(got), want, TOL, 0);
        assertTrue(why == null, what + ": " + why);
    }

    /** Layout variants of a [b, r, c] operand with the given values. */
    private static Map<String, Tensor> layouts(Tensor v) {
        int b = v.size(0), r = v.size(1), c = v.size(2);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("contiguous", v);
        m.put("transposed", Inputs.transposed(v));
        m.put("offset", Inputs.offset(v));
        m.put("batch-permuted", v.permute(1, 0, 2).contiguous().permute(1, 0, 2));
        Tensor big = Tensor.full(Float.NaN, b, r + 3, c + 2);
        Tensor inner = big.narrow(1, 2, r).narrow(2, 1, c);
        for (int i = 0; i < b; i++) for (int j = 0; j < r; j++) for (int k = 0; k < c; k++) inner.data()[inner.offset() + i * inner.strides()[0] + j * inner.strides()[1] + k] = v.get(i, j, k);
        m.put("narrowed-both-axes", inner);
        return m;
    }

    @Test
    void matmulOnEveryLayoutPair() {
        var r = Inputs.rng("matmul-views");
        int b = 3, m = 5, k = 7, n = 4;
        Tensor av = Inputs.normal(r, 1, b, m, k), bv = Inputs.normal(r, 1, b, k, n);
        double[] want = Oracle.matmul(Oracle.read(av), b, m, k, false, Oracle.read(bv), b, k, n, false);
        for (var ea : layouts(av).entrySet())
            for (var eb : layouts(bv).entrySet()) {
                assertArrayEquals(Oracle.read(av), Oracle.read(ea.getValue()), "layout " + ea.getKey() + " keeps the values");
                close("matmul a=" + ea.getKey() + " b=" + eb.getKey(), ea.getValue().matmul(eb.getValue()), want, b, m, n);
            }
    }

    @Test
    void matmulBatchBroadcasting() {
        var r = Inputs.rng("matmul-broadcast");
        Tensor a2 = Inputs.normal(r, 1, 5, 7), b3 = Inputs.normal(r, 1, 3, 7, 4);
        Tensor a1 = Inputs.normal(r, 1, 1, 5, 7);
        Tensor a4 = Inputs.normal(r, 1, 2, 1, 5, 7), b4 = Inputs.normal(r, 1, 3, 7, 4);
        // expected: materialise the broadcast operands, then an ordinary batched product
        Function<Tensor[], double[]> ref = t -> {
            Tensor x = t[0], y = t[1];
            int bs = t[2].numel();
            return Oracle.matmul(Oracle.read(x), bs, 5, 7, false, Oracle.read(y), bs, 7, 4, false);
        };
        close("[5,7] x [3,7,4]", a2.matmul(b3), ref.apply(new Tensor[]{a2.expand(3, 5, 7), b3, Tensor.zeros(3)}), 3, 5, 4);
        close("[1,5,7] x [3,7,4]", a1.matmul(b3), ref.apply(new Tensor[]{a1.expand(3, 5, 7), b3, Tensor.zeros(3)}), 3, 5, 4);
        close("[3,7,4]^T-view x [5,7]^T", b3.transpose(-2, -1).matmul(a2.transpose(0, 1)),
                Oracle.matmul(Oracle.read(b3), 3, 7, 4, true, Oracle.read(a2.expand(3, 5, 7)), 3, 5, 7, true), 3, 4, 5);
        close("[2,1,5,7] x [3,7,4]", a4.matmul(b4),
                ref.apply(new Tensor[]{a4.expand(2, 3, 5, 7), b4.expand(2, 3, 7, 4), Tensor.zeros(6)}), 2, 3, 5, 4);
        Tensor q = Inputs.normal(r, 1, 2, 6, 3, 4); // [B, T, H, D]
        Tensor qh = q.transpose(1, 2); // [B, H, T, D]: non-mergeable batch axes
        close("q k^T of a head-split view", qh.matmul(qh.transpose(-2, -1)),
                Oracle.matmul(Oracle.read(qh), 6, 6, 4, false, Oracle.read(qh), 6, 6, 4, true), 2, 3, 6, 6);
    }

    @Test
    void rowOpsOnViews() {
        var r = Inputs.rng("row-views");
        Tensor x = Inputs.normal(r, 2, 4, 6, 5); // values; views below
        Tensor xt = x.transpose(0, 2); // [5, 6, 4]
        double[] xtv = Oracle.read(xt);
        Tensor w = Inputs.offset(Inputs.normal(r, 1, 4)), bias = Inputs.normal(r, 1, 8).narrow(0, 3, 4);
        close("layerNorm of transposed", xt.layerNorm(w, bias, 1e-5f),
                Oracle.layerNorm(xtv, 30, 4, Oracle.read(w), Oracle.read(bias), 1e-5), 5, 6, 4);
        close("rmsNorm of transposed", xt.rmsNorm(w, 1e-6f), Oracle.rmsNorm(xtv, 30, 4, Oracle.read(w), 1e-6), 5, 6, 4);
        close("softmax last of transposed", xt.softmax(-1), Oracle.softmax(xtv, 30, 4, false), 5, 6, 4);
        // softmax over axis 1 of x == softmax over the last axis of x with axes 1 and 2 swapped
        Tensor sw = x.transpose(1, 2);
        double[] sm = Oracle.softmax(Oracle.read(sw), 20, 6, true);
        close("logSoftmax middle axis", x.logSoftmax(1).transpose(1, 2), sm, 4, 5, 6);
        Tensor wl = Inputs.normal(r, 1, 3, 4);
        close("linear of transposed input, transposed weight view", xt.linear(Inputs.transposed(wl.transpose(0, 1).contiguous()).transpose(0, 1), null),
                Oracle.linear(xtv, 30, 4, Oracle.read(wl), 3, null), 5, 6, 3);
        // NHWC storage viewed as NCHW, as after a permute in a model
        Tensor nhwc = Inputs.normal(r, 1, 2, 5, 6, 8);
        Tensor nchw = nhwc.permute(0, 3, 1, 2);
        double[] xv = Oracle.read(nchw);
        close("groupNorm of permuted", nchw.groupNorm(4, null, null, 1e-6f), Oracle.groupNorm(xv, 2, 8, 30, 4, null, null, 1e-6), 2, 8, 5, 6);
        Tensor cw = Inputs.normal(r, 1, 3, 10, 3, 3).narrow(1, 1, 8);
        Oracle.Conv g = new Oracle.Conv(2, 8, 5, 6, 3, 3, 3, 2, 1);
        close("conv2d of permuted input, narrowed weight", nchw.conv2d(cw, null, 2, 1),
                Oracle.conv2d(g, xv, Oracle.read(cw), null), 2, 3, g.oh(), g.ow());
        close("upsample of permuted", nchw.upsampleNearest2x(), Oracle.upsample2x(xv, 16, 5, 6), 2, 8, 10, 12);
        Tensor table = Inputs.normal(r, 1, 4, 9).transpose(0, 1); // [9, 4] view
        int[] ids = {8, 0, 3, 3};
        close("embedding of transposed table", table.embedding(ids), Oracle.embedding(Oracle.read(table), 4, ids), 4, 4);
    }

    @Test
    void attentionAndRopeOnViews() {
        var r = Inputs.rng("attention-views");
        int b = 2, t = 7, h = 3, d = 4, tk = 9;
        Tensor q = Inputs.normal(r, 1, b, t, h, d).transpose(1, 2), k = Inputs.normal(r, 1, b, tk, h, d).transpose(1, 2);
        Tensor v = Inputs.normal(r, 1, b, tk, h, 2 * d).transpose(1, 2);
        Tensor mask = Inputs.normal(r, 1, 10, 12).narrow(0, 2, t).narrow(1, 1, tk);
        close("attention of head-split views, narrowed mask", Tensor.attention(q, k, v, mask, 0.5f),
                Oracle.attention(Oracle.read(q), Oracle.read(k), Oracle.read(v), Oracle.read(mask), b * h, t, tk, d, 2 * d, 0.5), b, h, t, 2 * d);
        // sin/cos narrowed from a longer precomputed table, as a model does for a shorter sequence
        Tensor sin = Inputs.uniform(r, -1, 1, 20, d).narrow(0, 3, t), cos = Inputs.uniform(r, -1, 1, 20, d).narrow(0, 3, t);
        close("rope of head-split view", q.rope(sin, cos), Oracle.rope(Oracle.read(q), b * h, t, d, Oracle.read(sin), Oracle.read(cos)), b, h, t, d);
    }

    @Test
    void reductionsOnViews() {
        var r = Inputs.rng("reduce-views");
        Tensor x = Inputs.normal(r, 1, 3, 4, 5).permute(2, 0, 1); // [5, 3, 4]
        double[] v = Oracle.read(x);
        double[] sum02 = new double[3], max1 = new double[20], arg1 = new double[20];
        Arrays.fill(max1, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 3; j++)
                for (int l = 0; l < 4; l++) {
                    double e = v[(i * 3 + j) * 4 + l];
                    sum02[j] += e;
                    if (e > max1[i * 4 + l]) { max1[i * 4 + l] = e; arg1[i * 4 + l] = j; }
                }
        close("sum over axes 0,2 of permuted", x.sum(new int[]{0, 2}, false), sum02, 3);
        close("sum keepdim", x.sum(new int[]{2, 0}, true), sum02, 1, 3, 1);
        close("max over middle axis", x.max(1, false), max1, 5, 4);
        close("argmax over middle axis", x.argmax(1, false), arg1, 5, 4);
        double[] mean = new double[3], var = new double[3];
        for (int j = 0; j < 3; j++) mean[j] = sum02[j] / 20;
        for (int i = 0; i < 60; i++) { int j = (i / 4) % 3; var[j] += (v[i] - mean[j]) * (v[i] - mean[j]) / 19; }
        close("unbiased var over axes 0,2", x.var(new int[]{0, -1}, true, false), var, 3);
        List<Tensor> parts = new ArrayList<>(List.of(x.narrow(0, 0, 2), x.narrow(0, 2, 3)));
        close("cat of narrowed permuted views", Tensor.cat(0, parts), v, 5, 3, 4);
    }
}
