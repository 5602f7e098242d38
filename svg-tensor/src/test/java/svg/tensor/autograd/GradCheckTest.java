package svg.tensor.autograd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.conformance.Inputs;
import svg.tensor.reference.ReferenceBackend;

import java.util.List;

import static svg.tensor.autograd.GradCheck.check;
import static svg.tensor.autograd.GradCheck.param;

/**
 * Finite-difference checks of every differentiable Tensor op, on the reference backend (double accumulation keeps
 * the finite differences clean). Inputs of non-smooth ops (abs, relu, max) are kept further than the step from
 * their kinks.
 */
class GradCheckTest {
    private static Backend saved;

    @BeforeAll
    static void useReference() { saved = Backends.use(new ReferenceBackend()); }

    @AfterAll
    static void restore() { Backends.use(saved); }

    private static Rng rng(String name) { return Inputs.rng(name); }

    /** Leaf values at least 0.2 away from zero. */
    private static Tensor awayFromZero(Rng r, int... shape) { return Inputs.signedAway(r, 0.2, 2, shape).requiresGrad(true); }

    private static Tensor positive(Rng r, int... shape) { return Inputs.uniform(r, 0.5, 2, shape).requiresGrad(true); }

    /** Backward formulas branch on which inputs need gradients: check the mixed cases too. */
    @Test
    void someInputsAreConstants() {
        Rng r = rng("constants");
        Tensor x = Inputs.normal(r, 1, 2, 3, 5, 4), w = param(r, 0.5, 2, 3, 3, 3);
        check("conv2d, constant input", in -> x.conv2d(in[0], null, 1, 1), w);
        Tensor xp = param(r, 1, 2, 3, 5, 4), wc = Inputs.normal(r, 0.5, 2, 3, 3, 3), bias = param(r, 1, 2);
        check("conv2d, constant weight", in -> in[0].conv2d(wc, in[1], 2, 1), xp, bias);
        Tensor a = param(r, 1, 4, 3), bc = Inputs.normal(r, 1, 3, 5);
        check("matmul, constant right", in -> in[0].matmul(bc), a);
        check("matmul, constant left", in -> bc.transpose(0, 1).matmul(in[0].transpose(0, 1)), a);
        Tensor lw = Inputs.normal(r, 1, 3);
        check("layerNorm, constant weight, trainable bias", in -> in[0].layerNorm(lw, in[1], 1e-5f), a, param(r, 1, 3));
        check("linear, constant input", in -> bc.transpose(0, 1).linear(in[0], null), a);
        Tensor q = param(r, 1, 1, 2, 3, 4), k = Inputs.normal(r, 1, 1, 2, 5, 4), v = param(r, 1, 1, 2, 5, 2);
        check("attention, constant keys", in -> Tensor.attention(in[0], k, in[1], null, 0.5f), q, v);
    }

    // ---------------------------------------------------------------- views

    @Test
    void views() {
        Rng r = rng("views");
        Tensor x = param(r, 1, 2, 3, 4);
        check("reshape", in -> in[0].reshape(4, -1).mul(in[0].reshape(4, 6)), x);
        check("permute", in -> in[0].permute(2, 0, 1).mul(Tensor.arange(24).reshape(4, 2, 3)), x);
        check("transpose+contiguous", in -> in[0].transpose(0, 2).contiguous().reshape(-1).exp(), x);
        check("narrow", in -> in[0].narrow(2, 1, 2).square(), x);
        check("select", in -> in[0].select(1, 2).tanh(), x);
        check("expand", in -> in[0].narrow(1, 0, 1).expand(2, 5, 4).square(), x);
        check("unsqueeze+squeeze", in -> in[0].unsqueeze(1).unsqueeze(-1).mul(2f).squeeze(1).squeeze(-1).tanh(), x);
        check("flatten+compact", in -> in[0].transpose(1, 2).compact().flatten().square(), x);
        check("view of transposed (copying reshape)", in -> in[0].transpose(1, 2).reshape(2, 12).square(), x);
    }

    @Test
    void catStackSplitChunk() {
        Rng r = rng("cat");
        Tensor a = param(r, 1, 2, 3), b = param(r, 1, 2, 5), c = param(r, 1, 2, 3);
        check("cat", in -> Tensor.cat(1, in[0], in[1], in[2].exp()).square(), a, b, c);
        check("cat axis 0", in -> Tensor.cat(0, List.of(in[0], in[1])).tanh(), a, c);
        check("stack", in -> Tensor.stack(-1, List.of(in[0], in[1].square(), in[0])).sigmoid(), a, c);
        check("split", in -> {
            Tensor[] p = in[0].split(1, 2, 3);
            return p[0].square().sum(1, true).mul(p[1].exp());
        }, b);
        check("chunk", in -> {
            Tensor[] p = in[0].transpose(0, 1).chunk(3, 0);
            return Tensor.cat(0, p[2], p[0].mul(p[1]));
        }, a);
    }

    // ---------------------------------------------------------------- elementwise

    @Test
    void binaryWithBroadcasting() {
        Rng r = rng("binary");
        Tensor a = param(r, 1, 3, 1, 5), b = param(r, 1, 4, 1), d = Inputs.signedAway(r, 0.5, 2, 4, 1).requiresGrad(true);
        check("add", in -> in[0].add(in[1]), a, b);
        check("sub", in -> in[0].sub(in[1]).square(), a, b);
        check("mul", in -> in[0].mul(in[1]), a, b);
        check("div", in -> in[0].div(in[1]), a, d);
        Tensor base = positive(r, 3, 1, 5), e = param(r, 0.5, 4, 1);
        check("pow", in -> in[0].pow(in[1]), base, e);
        Tensor m1 = param(r, 1, 3, 4);
        Tensor m2 = Tensor.of(m1.toArray(), 3, 4);
        Rng r2 = rng("maximum-gap");
        for (int i = 0; i < m2.numel(); i++) m2.data()[i] += (float) Inputs.signedAway(r2, 0.2, 1).item();
        m2.requiresGrad(true);
        check("maximum", in -> in[0].maximum(in[1]), m1, m2);
        Tensor x = param(r, 1, 3, 4);
        check("scalar ops", in -> in[0].add(2f).mul(3f).sub(1f).div(4f).rsub(1f).square(), x);
        check("pow scalar", in -> in[0].pow(3f), x);
        check("self product (one leaf, two paths)", in -> in[0].mul(in[0].exp()), x);
    }

    @Test
    void unary() {
        Rng r = rng("unary");
        Tensor x = param(r, 1.5, 3, 7), pos = positive(r, 3, 7), away = awayFromZero(r, 3, 7);
        check("neg", in -> in[0].neg(), x);
        check("abs", in -> in[0].abs(), away);
        check("exp", in -> in[0].exp(), x);
        check("log", in -> in[0].log(), pos);
        check("sqrt", in -> in[0].sqrt(), pos);
        check("rsqrt", in -> in[0].rsqrt(), pos);
        check("tanh", in -> in[0].tanh(), x);
        check("sigmoid", in -> in[0].sigmoid(), x);
        check("gelu", in -> in[0].gelu(), x);
        check("geluTanh", in -> in[0].geluTanh(), x);
        check("silu", in -> in[0].silu(), x);
        check("relu", in -> in[0].relu(), away);
        check("square", in -> in[0].square(), x);
    }

    // ---------------------------------------------------------------- reductions

    @Test
    void reductions() {
        Rng r = rng("reductions");
        Tensor x = param(r, 1, 3, 4, 5);
        check("sum all", in -> in[0].sum().reshape(1), x);
        check("sum dims keep", in -> in[0].sum(new int[]{0, 2}, true).exp(), x);
        check("sum dim", in -> in[0].sum(-1, false).square(), x);
        check("mean", in -> in[0].mean(1, false).square(), x);
        check("mean all", in -> in[0].square().mean().reshape(1), x);
        check("var unbiased", in -> in[0].var(new int[]{2}, true, false), x);
        check("var biased keep", in -> in[0].var(new int[]{0, 1}, false, true), x);
        check("sumTo", in -> in[0].sumTo(new int[]{4, 1}).square(), x);
        // distinct values spaced 0.1 apart: no maximum switches within +-h
        Tensor m = Tensor.zeros(4, 6);
        Rng p = rng("max-perm");
        int[] perm = java.util.stream.IntStream.range(0, 24).toArray();
        for (int j = 23; j > 0; j--) { int k = p.nextInt(j + 1), t = perm[j]; perm[j] = perm[k]; perm[k] = t; }
        for (int j = 0; j < 24; j++) m.data()[j] = 0.1f * perm[j] - 1f;
        m.requiresGrad(true);
        check("max last", in -> in[0].max(-1, false), m);
        check("max axis 0 keep", in -> in[0].max(0, true).square(), m);
    }

    @Test
    void softmaxes() {
        Rng r = rng("softmax");
        Tensor x = param(r, 2, 3, 4, 7);
        check("softmax last", in -> in[0].softmax(-1), x);
        check("softmax middle", in -> in[0].softmax(1), x);
        check("logSoftmax last", in -> in[0].logSoftmax(-1), x);
        check("logSoftmax first", in -> in[0].logSoftmax(0), x);
    }

    // ---------------------------------------------------------------- linear algebra

    @Test
    void matmul() {
        Rng r = rng("matmul");
        Tensor a = param(r, 1, 5, 3), b = param(r, 1, 3, 4);
        check("matmul 2d", in -> in[0].matmul(in[1]), a, b);
        Tensor at = param(r, 1, 3, 5), bt = param(r, 1, 4, 3);
        check("matmul transposed views", in -> in[0].transpose(0, 1).matmul(in[1].transpose(0, 1)), at, bt);
        Tensor a3 = param(r, 1, 2, 5, 3), b3 = param(r, 1, 2, 3, 4);
        check("matmul batched", in -> in[0].matmul(in[1]), a3, b3);
        check("matmul batch broadcast a", in -> in[0].matmul(in[1]), a, b3);
        check("matmul batch broadcast b", in -> in[0].matmul(in[1]), a3, b);
        Tensor a4 = param(r, 1, 2, 1, 5, 3), b4 = param(r, 1, 3, 3, 4);
        check("matmul broadcast 2x1 vs 3", in -> in[0].matmul(in[1]), a4, b4);
        Tensor k = param(r, 1, 2, 3, 6, 4);
        check("q k^T (same leaf)", in -> in[0].matmul(in[0].transpose(-2, -1)), k);
        check("narrowed operand", in -> in[0].narrow(1, 1, 2).matmul(in[1].narrow(0, 0, 2)), a, b);
    }

    @Test
    void linear() {
        Rng r = rng("linear");
        Tensor x = param(r, 1, 2, 3, 5), w = param(r, 0.5, 4, 5), bias = param(r, 1, 4);
        check("linear bias", in -> in[0].linear(in[1], in[2]), x, w, bias);
        check("linear no bias", in -> in[0].linear(in[1], null), x, w);
        check("linear of transposed input", in -> in[0].transpose(0, 1).linear(in[1], in[2]), x, w, bias);
    }

    // ---------------------------------------------------------------- normalisation

    @Test
    void norms() {
        Rng r = rng("norms");
        Tensor x = param(r, 2, 3, 2, 7), w = param(r, 1, 7), b = param(r, 1, 7);
        check("layerNorm affine", in -> in[0].layerNorm(in[1], in[2], 1e-5f), x, w, b);
        check("layerNorm plain", in -> in[0].layerNorm(null, null, 1e-5f), x);
        Tensor v = param(r, 2, 7);
        check("layerNorm 1-d", in -> in[0].layerNorm(in[1], in[2], 1e-5f), v, w, b);
        check("rmsNorm weight", in -> in[0].rmsNorm(in[1], 1e-6f), x, w);
        check("rmsNorm plain", in -> in[0].rmsNorm(null, 1e-6f), x);
        Tensor g = param(r, 1, 2, 6, 3, 2), gw = param(r, 1, 6), gb = param(r, 1, 6);
        check("groupNorm affine", in -> in[0].groupNorm(3, in[1], in[2], 1e-5f), g, gw, gb);
        check("groupNorm plain", in -> in[0].groupNorm(2, null, null, 1e-5f), g);
    }

    // ---------------------------------------------------------------- convolution, resampling, lookup

    @Test
    void conv2d() {
        Rng r = rng("conv2d");
        Tensor x = param(r, 1, 2, 3, 6, 5), w = param(r, 0.5, 4, 3, 3, 3), b = param(r, 1, 4);
        check("conv2d s1 p1", in -> in[0].conv2d(in[1], in[2], 1, 1), x, w, b);
        check("conv2d s2 p1", in -> in[0].conv2d(in[1], in[2], 2, 1), x, w, b);
        check("conv2d s2 p0 no bias", in -> in[0].conv2d(in[1], null, 2, 0), x, w);
        Tensor w1 = param(r, 0.5, 2, 3, 1, 1);
        check("conv2d 1x1", in -> in[0].conv2d(in[1], null, 1, 0), x, w1);
    }

    @Test
    void upsampleAndEmbedding() {
        Rng r = rng("upsample");
        Tensor x = param(r, 1, 2, 3, 3, 2);
        check("upsampleNearest2x", in -> in[0].upsampleNearest2x(), x);
        Tensor table = param(r, 1, 6, 4);
        int[] ids = {5, 0, 5, 2, 5};
        check("embedding (repeated ids)", in -> in[0].embedding(ids), table);
    }

    // ---------------------------------------------------------------- attention, rope

    @Test
    void attention() {
        Rng r = rng("attention");
        // q from a [B, T, H, D] projection, as in a transformer: a non-contiguous view
        Tensor q = param(r, 1, 2, 3, 2, 4), k = param(r, 1, 2, 2, 5, 4), v = param(r, 1, 2, 2, 5, 3);
        Tensor mask = Inputs.normal(r, 1, 3, 5);
        mask.data()[4] = Float.NEGATIVE_INFINITY;
        float scale = 0.5f;
        check("attention", in -> Tensor.attention(in[0].transpose(1, 2), in[1], in[2], null, scale), q, k, v);
        check("attention mask tq!=tk", in -> Tensor.attention(in[0].transpose(1, 2), in[1], in[2], mask, scale), q, k, v);
    }

    @Test
    void rope() {
        Rng r = rng("rope");
        Tensor x = param(r, 1, 2, 2, 3, 6);
        // the usual layout (angles repeated in both halves) and independent angles per column
        Tensor[] dup = sinCos(r, 3, 6, true), any = sinCos(r, 3, 6, false);
        check("rope rotate-half", in -> in[0].rope(dup[0], dup[1]), x);
        check("rope independent columns", in -> in[0].rope(any[0], any[1]), x);
        check("rope of transposed view", in -> in[0].transpose(1, 2).contiguous().transpose(1, 2).rope(dup[0], dup[1]), x);
    }

    private static Tensor[] sinCos(Rng r, int t, int d, boolean duplicated) {
        Tensor s = Tensor.zeros(t, d), c = Tensor.zeros(t, d);
        for (int i = 0; i < t; i++)
            for (int j = 0; j < d; j++) {
                double a = duplicated && j >= d / 2 ? Math.atan2(s.get(i, j - d / 2), c.get(i, j - d / 2)) : 4 * (r.nextDouble() - 0.5);
                s.data()[i * d + j] = (float) Math.sin(a);
                c.data()[i * d + j] = (float) Math.cos(a);
            }
        return new Tensor[]{s, c};
    }
}
