package svg.nn.flow;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

class RectifiedFlowLossTest {

    /** v = w * x + bias[y] per channel: a tiny differentiable model. */
    static VelocityModel linearModel(Tensor w, Tensor bias) {
        return (x, t, y) -> {
            Tensor sel = bias.embedding(y).reshape(y.length, 1, x.size(2));
            return x.mul(w).add(sel).add(t.reshape(-1, 1, 1));
        };
    }

    @Test
    void matchesTheDefinitionAndReplaysTheDraws() {
        int b = 3, tk = 4, c = 2;
        Rng rng = new Rng(5);
        Tensor x1 = Tensor.randn(rng, b, tk, c), z0 = Tensor.randn(rng, b, tk, c);
        Tensor tRaw = Tensor.of(new float[]{0.1f, 0.5f, 0.93f}, b);
        Tensor w = Tensor.of(new float[]{0.3f, -0.7f}, c), bias = Tensor.randn(rng, 5, c);
        int[] y = {1, 4, 0};
        var r = RectifiedFlowLoss.compute(linearModel(w, bias), x1, y, z0, tRaw, 0.4);
        float[] xs = x1.toArray(), zs = z0.toArray(), zt = r.zt().toArray(), ut = r.target().toArray(), vp = r.vPred().toArray();
        double total = 0;
        for (int i = 0; i < b; i++) {
            double t = 0.4 * tRaw.toArray()[i] / (1 - 0.6 * tRaw.toArray()[i]);
            assertEquals(t, r.tShifted().toArray()[i], 1e-6);
            double se = 0;
            for (int k = 0; k < tk * c; k++) {
                int j = i * tk * c + k;
                assertEquals((1 - t) * zs[j] + t * xs[j], zt[j], 1e-5);
                assertEquals(xs[j] - zs[j], ut[j], 1e-6);
                double v = w.toArray()[k % c] * zt[j] + bias.get(y[i], k % c) + t;
                assertEquals(v, vp[j], 1e-5);
                se += (v - ut[j]) * (v - ut[j]);
            }
            assertEquals(se / (tk * c), r.mse().toArray()[i], 1e-4);
            total += se / (tk * c);
        }
        assertEquals(total / b, r.loss().item(), 1e-4);

        // the Rng overload draws z0 then t, so replaying the same seed reproduces it
        Rng a = new Rng(77), a2 = new Rng(77);
        var r1 = RectifiedFlowLoss.compute(linearModel(w, bias), x1, y, 0.4, a);
        Tensor z0b = Tensor.randn(a2, x1.shape()), tb = Tensor.rand(a2, 0f, 1f, b);
        var r2 = RectifiedFlowLoss.compute(linearModel(w, bias), x1, y, z0b, tb, 0.4);
        assertEquals(r2.loss().item(), r1.loss().item(), 0f);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int b = 2, tk = 3, c = 2;
        Rng rng = new Rng(9);
        Tensor x1 = Tensor.randn(rng, b, tk, c), z0 = Tensor.randn(rng, b, tk, c), tRaw = Tensor.rand(rng, 0f, 1f, b);
        float[] wv = {0.4f, -0.2f};
        Tensor bias = Tensor.randn(rng, 3, c);
        int[] y = {2, 0};
        Tensor w = Tensor.of(wv.clone(), c).requiresGrad(true);
        RectifiedFlowLoss.compute(linearModel(w, bias), x1, y, z0, tRaw, 0.4).loss().backward();
        float[] g = w.grad().toArray();
        for (int k = 0; k < c; k++) {
            double h = 1e-2;
            float[] p = wv.clone(), m = wv.clone();
            p[k] += (float) h;
            m[k] -= (float) h;
            double lp = RectifiedFlowLoss.compute(linearModel(Tensor.of(p, c), bias), x1, y, z0, tRaw, 0.4).loss().item();
            double lm = RectifiedFlowLoss.compute(linearModel(Tensor.of(m, c), bias), x1, y, z0, tRaw, 0.4).loss().item();
            assertEquals((lp - lm) / (2 * h), g[k], 1e-3, "d loss / d w[" + k + "]");
        }
    }

    @Test
    void shapeMismatchIsReported() {
        var e = assertThrows(IllegalArgumentException.class, () -> RectifiedFlowLoss.compute((x, t, y) -> x,
                Tensor.zeros(2, 3, 4), new int[]{0, 1}, Tensor.zeros(2, 3, 5), Tensor.zeros(2), 0.4));
        assertTrue(e.getMessage().contains("noise shape"));
    }
}
