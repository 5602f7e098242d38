package svg.tensor.conformance;

import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.backend.Backend;
import svg.tensor.backend.Backends;
import svg.tensor.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Training-path conformance: small networks built from Tensor ops (a DiT-style block, a decoder block, a token
 * model) are differentiated on the backend under test and on the reference backend, whose gradients the
 * finite-difference checks (GradCheckTest) verify. This exercises the ops autograd calls (transposed products,
 * conv adjoints, scatter-add, broadcasts) in the combinations training uses.
 */
public final class GradCatalog {
    private GradCatalog() {}

    /** Float32 accumulation differences pass through a few layers: looser than a single op's tolerance. */
    static final double TOL = 1e-3;

    /**
     * @param name   printed name and filter
     * @param shapes leaf shapes; values are drawn from an Rng seeded by the name
     * @param f      the network: leaves -> output
     */
    public record GradCase(String name, int[][] shapes, Function<Tensor[], Tensor> f) {
        /** Leaf gradients of sum(f(leaves) * R) computed on {@code b}. */
        List<float[]> gradients(Backend b) {
            Backend prev = Backends.use(b);
            try {
                Rng r = Inputs.rng("gradcase:" + name);
                Tensor[] leaves = new Tensor[shapes.length];
                for (int i = 0; i < shapes.length; i++) leaves[i] = Inputs.normal(r, 0.5, shapes[i]).requiresGrad(true);
                Tensor out = f.apply(leaves);
                out.backward(Inputs.normal(r, 1, out.shape()));
                List<float[]> g = new ArrayList<>();
                for (Tensor t : leaves) g.add(t.grad() == null ? null : t.grad().toArray());
                return g;
            } finally {
                Backends.use(prev);
            }
        }

        /** Throws an AssertionError naming the case and the leaf when {@code b}'s gradients disagree. */
        public void check(Backend b) { check(b, 1); }

        /** As {@link #check(Backend)} with the tolerance multiplied by {@code toleranceScale} (>= 1). */
        public void check(Backend b, double toleranceScale) {
            List<float[]> want = gradients(new ReferenceBackend()), got = gradients(b);
            for (int i = 0; i < want.size(); i++) {
                if (want.get(i) == null) throw new AssertionError(name + ": leaf " + i + " gets no gradient on the reference");
                boolean allZero = true;
                for (float v : want.get(i)) allZero &= v == 0;
                if (allZero) throw new AssertionError(name + ": leaf " + i + " has an all-zero gradient: the case tests nothing");
                if (got.get(i) == null) throw new AssertionError(name + " on " + b.name() + ": leaf " + i + " got no gradient");
                String why = Compare.check(toDouble(got.get(i)), toDouble(want.get(i)), TOL * toleranceScale, 0);
                if (why != null)
                    throw new AssertionError(name + " on " + b.name() + ": gradient of leaf " + i + " " + Arrays.toString(shapes[i]) + ": " + why);
            }
        }

        @Override
        public String toString() { return name; }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    public static List<GradCase> all() {
        List<GradCase> c = new ArrayList<>();
        // x [B, T, C], cond [B, C]: adaLN-modulated attention + MLP, as in a DiT block
        int bt = 2, t = 9, ch = 16, heads = 2, hd = ch / heads;
        c.add(new GradCase("grad(dit-block,b=2,t=9,c=16,heads=2)",
                new int[][]{{bt, t, ch}, {bt, ch}, {6 * ch, ch}, {6 * ch}, {3 * ch, ch}, {3 * ch}, {ch, ch}, {4 * ch, ch}, {ch, 4 * ch}},
                p -> {
                    Tensor x = p[0];
                    Tensor[] mod = p[1].silu().linear(p[2], p[3]).unsqueeze(1).chunk(6, -1);
                    Tensor h = x.layerNorm(null, null, 1e-6f).mul(mod[1].add(1f)).add(mod[0]);
                    Tensor[] qkv = h.linear(p[4], p[5]).reshape(bt, t, 3, heads, hd).permute(2, 0, 3, 1, 4).chunk(3, 0);
                    Tensor a = Tensor.attention(qkv[0].squeeze(0), qkv[1].squeeze(0), qkv[2].squeeze(0), null, (float) (1 / Math.sqrt(hd)));
                    x = x.add(mod[2].mul(a.transpose(1, 2).reshape(bt, t, ch).linear(p[6], null)));
                    Tensor m = x.layerNorm(null, null, 1e-6f).mul(mod[4].add(1f)).add(mod[3]);
                    return x.add(mod[5].mul(m.linear(p[7], null).geluTanh().linear(p[8], null)));
                }));
        // conv -> groupNorm -> silu -> upsample -> conv (stride 2) with a 1x1 skip, as in the LDM decoder
        c.add(new GradCase("grad(decoder-block,n=2,c=4,h=6,w=5)",
                new int[][]{{2, 4, 6, 5}, {8, 4, 3, 3}, {8}, {8}, {8}, {4, 8, 3, 3}, {4, 4, 1, 1}},
                p -> {
                    Tensor h = p[0].conv2d(p[1], p[2], 1, 1).groupNorm(4, p[3], p[4], 1e-6f).silu();
                    h = h.upsampleNearest2x().conv2d(p[5], null, 2, 1);
                    return h.add(p[0].conv2d(p[6], null, 1, 0));
                }));
        // tokens: embedding, rope, causal attention, logits, log-softmax
        int[] ids = {3, 7, 7, 0, 10, 3};
        Tensor sin = Tensor.zeros(ids.length, 8), cos = Tensor.zeros(ids.length, 8);
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < 8; j++) {
                double ang = i * Math.pow(100, -(j % 4) / 4.0);
                sin.data()[i * 8 + j] = (float) Math.sin(ang);
                cos.data()[i * 8 + j] = (float) Math.cos(ang);
            }
        Tensor causal = Tensor.zeros(ids.length, ids.length);
        for (int i = 0; i < ids.length; i++) for (int j = i + 1; j < ids.length; j++) causal.data()[i * ids.length + j] = Float.NEGATIVE_INFINITY;
        c.add(new GradCase("grad(token-model,vocab=11,t=6,d=8)",
                new int[][]{{11, 8}, {24, 8}, {11, 8}},
                p -> {
                    Tensor e = p[0].embedding(ids);
                    Tensor[] qkv = e.rmsNorm(null, 1e-6f).linear(p[1], null).reshape(1, ids.length, 3, 8).permute(2, 0, 1, 3).chunk(3, 0);
                    Tensor q = qkv[0].reshape(1, 1, ids.length, 8).rope(sin, cos), k = qkv[1].reshape(1, 1, ids.length, 8).rope(sin, cos);
                    Tensor a = Tensor.attention(q, k, qkv[2].reshape(1, 1, ids.length, 8), causal, 0.35f);
                    return a.reshape(ids.length, 8).add(e).linear(p[2], null).logSoftmax(-1);
                }));
        // reductions and broadcasts used by losses and statistics
        c.add(new GradCase("grad(reductions,3x5x7)", new int[][]{{3, 5, 7}, {5, 1}},
                p -> {
                    Tensor x = p[0].mul(p[1]);
                    Tensor v = x.var(new int[]{0, 2}, true, true);
                    return x.softmax(1).mul(x.max(-1, true)).add(v).sub(x.mean(new int[]{1}, true).square()).matmul(x.transpose(-2, -1));
                }));
        return c;
    }
}
