package svg.nn.flow;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Sampler math on analytic velocity fields. For data x1 ~ N(m, s^2) per channel and x0 ~ N(0, 1), the exact
 * rectified-flow velocity is v(x, t) = m + a(t)(x - t m) with a(t) = (t s^2 - (1 - t)) / (t^2 s^2 + (1 - t)^2), and
 * the exact ODE solution maps x0 to m + s x0 at t = 1.
 */
class FlowSamplerTest {
    static final int T = 2, C = 3, NULL = 4;
    static final double[][] MEANS = {{1, -2, 0.5}, {-1, 0.5, 2}, {3, 0, -1}, {0.2, 0.2, 0.2}, {0, 0, 0}};
    static final double SIGMA = 0.6;

    static double a(double t) {
        return (t * SIGMA * SIGMA - (1 - t)) / (t * t * SIGMA * SIGMA + (1 - t) * (1 - t));
    }

    /** The exact field for class y (class NULL has mean 0), evaluated in double and returned as float32. */
    static final VelocityModel GAUSS = (x, t, y) -> {
        int b = x.size(0);
        float[] xs = x.toArray(), out = new float[xs.length], ts = t.toArray();
        for (int i = 0; i < b; i++)
            for (int k = 0; k < T * C; k++) {
                double m = MEANS[y[i]][k % C];
                out[i * T * C + k] = (float) (m + a(ts[i]) * (xs[i * T * C + k] - ts[i] * m));
            }
        return Tensor.of(out, b, T, C);
    };

    static Tensor noise(int b, long seed) { return new PerImageNoise(seed, 0, b).normal(b, T, C); }

    static double maxErrToExact(Tensor z0, Tensor out, int[] y) {
        float[] z = z0.toArray(), o = out.toArray();
        double e = 0;
        for (int i = 0; i < z.length; i++) {
            int b = i / (T * C);
            double exact = MEANS[y[b]][i % C] + SIGMA * z[i];
            e = Math.max(e, Math.abs(o[i] - exact));
        }
        return e;
    }

    static SamplerOptions opts(int steps, SamplerKind k, double shift) {
        return SamplerOptions.defaults().withSteps(steps).withSampler(k).withShift(shift).withCfg(1.0);
    }

    @Test
    void eulerIsFirstOrderAndHeunSecondOrderOnTheExactField() {
        int[] y = {0, 1, 2};
        Tensor z0 = noise(3, 7);
        double[] eE = new double[3], eH = new double[3];
        int[] ns = {16, 32, 64};
        for (int j = 0; j < 3; j++) {
            eE[j] = maxErrToExact(z0, FlowSampler.sample(GAUSS, z0, y, null, opts(ns[j], SamplerKind.EULER, 0), null, null).sample(), y);
            eH[j] = maxErrToExact(z0, FlowSampler.sample(GAUSS, z0, y, null, opts(ns[j], SamplerKind.HEUN, 0), null, null).sample(), y);
        }
        for (int j = 0; j < 2; j++) {
            double re = eE[j] / eE[j + 1], rh = eH[j] / eH[j + 1];
            assertTrue(re > 1.7 && re < 2.4, "Euler error ratio " + re);
            assertTrue(rh > 3.3 && rh < 4.8, "Heun error ratio " + rh);
        }
        assertTrue(eH[2] < 1e-3, "Heun 64 steps error " + eH[2]);
        // the shifted grid converges too
        double es = maxErrToExact(z0, FlowSampler.sample(GAUSS, z0, y, null, opts(100, SamplerKind.HEUN, 0.15), null, null).sample(), y);
        assertTrue(es < 2e-3, "shifted Heun error " + es);
    }

    @Test
    void sdeSamplerReachesTheDataDistribution() {
        int n = 3000;
        int[] y = new int[n];
        java.util.Arrays.fill(y, 2);
        PerImageNoise src = new PerImageNoise(11, 0, n);
        Tensor z0 = src.normal(n, T, C);
        Tensor out = FlowSampler.sample(GAUSS, z0, y, null, opts(200, SamplerKind.SDE, 0).withSdeNoise(1.0), src, null).sample();
        float[] o = out.toArray();
        for (int c = 0; c < C; c++) {
            double s = 0, s2 = 0;
            int cnt = 0;
            for (int i = c; i < o.length; i += C) { s += o[i]; s2 += o[i] * o[i]; cnt++; }
            double mean = s / cnt, sd = Math.sqrt(s2 / cnt - mean * mean);
            assertEquals(MEANS[2][c], mean, 0.03, "mean of channel " + c);
            assertEquals(SIGMA, sd, 0.03, "std of channel " + c);
        }
        // the SDE really is stochastic: a different noise stream gives a different sample from the same start
        Tensor again = FlowSampler.sample(GAUSS, z0, y, null, opts(20, SamplerKind.SDE, 0), new PerImageNoise(12, 0, n), null).sample();
        Tensor other = FlowSampler.sample(GAUSS, z0, y, null, opts(20, SamplerKind.SDE, 0), new PerImageNoise(13, 0, n), null).sample();
        assertTrue(again.sub(other).abs().max(0, false).max(0, false).max(0, false).item() > 0.1f);
    }

    @Test
    void sdeWithZeroNoiseIsEuler() {
        int[] y = {0, 3};
        Tensor z0 = noise(2, 5);
        Tensor e = FlowSampler.sample(GAUSS, z0, y, null, opts(9, SamplerKind.EULER, 0.3), null, null).sample();
        Tensor s = FlowSampler.sample(GAUSS, z0, y, null, opts(9, SamplerKind.SDE, 0.3).withSdeNoise(0), null, null).sample();
        assertArrayEquals(e.toArray(), s.toArray());
    }

    // ------------------------------------------------------------------ guidance vs a plain double re-implementation

    /** The official RectifiedFlow.sample loop written out in double precision, unbatched. */
    static double[] officialReference(double[] z, int[] y, int[] yNull, int steps, double cfg, double shift,
                                      String mode, String cfgMode) {
        TimeGrid g = TimeGrid.of(steps, shift);
        double[] cur = z.clone();
        for (int i = 0; i < steps; i++) {
            double t = g.t()[i], tn = g.t()[i + 1], dt = g.dt()[i];
            double[] v1 = refV(cur, t, i, y, yNull, steps, cfg, cfgMode);
            double[] nxt = new double[cur.length];
            if (mode.equals("euler")) {
                for (int k = 0; k < cur.length; k++) nxt[k] = cur[k] + dt * v1[k];
            } else {
                double[] zt = new double[cur.length];
                for (int k = 0; k < cur.length; k++) zt[k] = cur[k] + dt * v1[k];
                double[] v2 = refV(zt, tn, i, y, yNull, steps, cfg, cfgMode);
                for (int k = 0; k < cur.length; k++) nxt[k] = cur[k] + 0.5 * dt * (v1[k] + v2[k]);
            }
            cur = nxt;
        }
        return cur;
    }

    static double[] refField(double[] x, double t, int[] y) {
        double[] o = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            double m = MEANS[y[k / (T * C)]][k % C];
            o[k] = m + a(t) * (x[k] - t * m);
        }
        return o;
    }

    static double[] refV(double[] z, double t, int stepI, int[] y, int[] yNull, int steps, double cfg, String cfgMode) {
        double[] vc = refField(z, t, y);
        if (yNull == null) return vc;
        double[] vu = refField(z, t, yNull), out = new double[z.length];
        double cur;
        if (cfgMode.equals("constant")) cur = cfg;
        else if (cfgMode.equals("late")) cur = (stepI + 1.0) / steps > 0.5 ? cfg : 1.0;
        else if (cfgMode.startsWith("early")) cur = t > Double.parseDouble(cfgMode.split("-")[1]) ? cfg : 1.0;
        else if (cfgMode.equals("linear")) cur = 1.0 + (cfg - 1.0) * (stepI + 1.0) / steps;
        else {
            int skip = Integer.parseInt(cfgMode.split("-")[1]);
            double ratio = Double.parseDouble(cfgMode.split("-")[2]);
            for (int k = 0; k < z.length; k++) out[k] = stepI < skip ? -vu[k] * ratio : (1 - cfg) * vu[k] + cfg * vc[k];
            return out;
        }
        for (int k = 0; k < z.length; k++) out[k] = vu[k] + cur * (vc[k] - vu[k]);
        return out;
    }

    @Test
    void guidanceModesMatchTheOfficialLoop() {
        int[] y = {0, 1, 2}, yNull = {NULL, NULL, NULL};
        Tensor z0 = noise(3, 21);
        double[] zd = new double[z0.numel()];
        float[] zf = z0.toArray();
        for (int k = 0; k < zd.length; k++) zd[k] = zf[k];
        String[] modes = {"constant", "late", "linear", "early-0.3", "cfg_star-1-0", "cfg_star-2-0.5"};
        for (String sampler : new String[]{"euler", "heun"})
            for (String m : modes)
                for (int[] nul : new int[][]{yNull, null}) {
                    SamplerOptions o = SamplerOptions.defaults().withSteps(5).withCfg(2.5).withShift(0.3)
                            .withSampler(SamplerKind.parse(sampler)).withMode(GuidanceMode.parse(m));
                    float[] ours = FlowSampler.sample(GAUSS, z0, y, nul, o, null, null).sample().toArray();
                    double[] ref = officialReference(zd, y, nul, 5, 2.5, 0.3, sampler, m);
                    double num = 0, den = 0, mx = 0;
                    for (int k = 0; k < ref.length; k++) {
                        num += (ours[k] - ref[k]) * (ours[k] - ref[k]);
                        den += ref[k] * ref[k];
                        mx = Math.max(mx, Math.abs(ours[k] - ref[k]));
                    }
                    String what = sampler + " " + m + (nul == null ? " no-cfg" : "");
                    assertTrue(mx < 2e-5 && Math.sqrt(num / den) < 2e-6, what + ": max " + mx);
                }
    }

    @Test
    void cfgStarOneZeroLeavesTheFirstStepUnchanged() {
        Tensor z0 = noise(2, 3);
        SamplerOptions o = SamplerOptions.defaults().withSteps(4).withCfg(1.5).withMode(GuidanceMode.parse("cfg_star-1-0"))
                .withRecordTrajectory(true);
        var r = FlowSampler.sample(GAUSS, z0, new int[]{0, 1}, new int[]{NULL, NULL}, o, null, null);
        assertEquals(5, r.trajectory().size());
        assertArrayEquals(z0.toArray(), r.trajectory().get(1).toArray());
        assertArrayEquals(r.sample().toArray(), r.trajectory().get(4).toArray());
    }

    // ------------------------------------------------------------------ batching, interval, listener

    record Call(int batch, float t, int[] labels) {}

    static VelocityModel recording(List<Call> calls) {
        return (x, t, y) -> {
            calls.add(new Call(x.size(0), t.toArray()[0], y.clone()));
            return GAUSS.velocity(x, t, y);
        };
    }

    @Test
    void condAndUncondRunAsOneBatchedForwardInThatOrder() {
        List<Call> calls = new ArrayList<>();
        Tensor z0 = noise(2, 1);
        FlowSampler.sample(recording(calls), z0, new int[]{0, 2}, new int[]{NULL, NULL},
                SamplerOptions.defaults().withSteps(3).withCfg(3).withSampler(SamplerKind.HEUN), null, null);
        assertEquals(6, calls.size());
        for (Call c : calls) {
            assertEquals(4, c.batch());
            assertArrayEquals(new int[]{0, 2, NULL, NULL}, c.labels());
        }
        TimeGrid g = TimeGrid.of(3, 0.15);
        assertEquals(g.t()[0], calls.get(0).t());
        assertEquals(g.t()[1], calls.get(1).t());
        assertEquals(1f, calls.get(5).t(), "Heun evaluates at t = 1 on the last step");
    }

    @Test
    void guidanceIntervalSkipsTheUncondPassOutsideIt() {
        List<Call> calls = new ArrayList<>();
        Tensor z0 = noise(2, 1);
        int[] y = {0, 2}, yNull = {NULL, NULL};
        SamplerOptions o = SamplerOptions.defaults().withSteps(10).withShift(0).withCfg(3).withInterval(0.25, 0.65);
        Tensor out = FlowSampler.sample(recording(calls), z0, y, yNull, o, null, null).sample();
        for (Call c : calls) {
            boolean inside = c.t() >= 0.25f && c.t() <= 0.65f;
            assertEquals(inside ? 4 : 2, c.batch(), "t=" + c.t());
        }
        // same as a hand-rolled loop with guidance only inside the interval
        TimeGrid g = TimeGrid.of(10, 0);
        Tensor cur = z0;
        for (int i = 0; i < 10; i++) {
            float t = g.t()[i];
            Tensor tt = Tensor.full(t, 2);
            Tensor vc = GAUSS.velocity(cur, tt, y);
            Tensor v = t >= 0.25f && t <= 0.65f ? GAUSS.velocity(cur, tt, yNull).add(vc.sub(GAUSS.velocity(cur, tt, yNull)).mul(3f)) : vc;
            cur = cur.add(v.mul(g.dt()[i]));
        }
        assertArrayEquals(cur.toArray(), out.toArray(), 1e-6f);
    }

    @Test
    void listenerSeesEveryStep() {
        List<Integer> steps = new ArrayList<>();
        FlowSampler.sample(GAUSS, noise(1, 1), new int[]{0}, null, opts(6, SamplerKind.EULER, 0.15),
                null, (s, n, t, z) -> { assertEquals(6, n); steps.add(s); });
        assertEquals(List.of(0, 1, 2, 3, 4, 5), steps);
    }

    @Test
    void perImageNoiseDoesNotDependOnTheBatch() {
        Tensor all = new PerImageNoise(99, 0, 5).normal(5, T, C);
        Tensor part = new PerImageNoise(99, 2, 2).normal(2, T, C);
        assertArrayEquals(all.narrow(0, 2, 2).toArray(), part.toArray());
        Tensor otherSeed = new PerImageNoise(98, 2, 2).normal(2, T, C);
        assertFalse(java.util.Arrays.equals(part.toArray(), otherSeed.toArray()));
    }

    @Test
    void badInputsGiveClearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> GuidanceMode.parse("interval"));
        assertTrue(e.getMessage().contains("unknown cfg mode"));
        assertThrows(IllegalArgumentException.class, () -> SamplerKind.parse("dpm"));
        assertThrows(IllegalArgumentException.class, () -> SamplerOptions.defaults().withInterval(0.7, 0.2));
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> FlowSampler.sample(GAUSS, noise(2, 1), new int[]{0}, null, opts(2, SamplerKind.EULER, 0), null, null));
        assertTrue(e2.getMessage().contains("labels"));
        assertThrows(IllegalStateException.class, () -> FlowSampler.sample((x, t, y) -> Tensor.zeros(x.size(0), T, 2 * C),
                noise(1, 1), new int[]{0}, null, opts(2, SamplerKind.EULER, 0), null, null));
    }
}
