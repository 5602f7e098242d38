package svg.nn.optim;

import org.junit.jupiter.api.Test;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** AdamW / Adam against torch.optim (torch 1.13, values produced by the script in the comment of each test). */
class AdamTest {
    static final float[] C = {1, 2, 3, 4, 5, 6};

    private static Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("fc.weight", Tensor.of(new float[]{0.5f, -1f, 2f, 0.1f, 0.2f, -0.3f}, 2, 3).requiresGrad(true));
        m.put("fc.bias", Tensor.of(new float[]{0.3f, -0.2f}, 2).requiresGrad(true));
        return m;
    }

    private static void assertClose(double[] want, Tensor got) {
        float[] g = got.toArray();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], g[i], 2e-6, "element " + i);
    }

    /*
     * opt = AdamW([{'params':[p],'weight_decay':0.1},{'params':[b],'weight_decay':0.0}], lr=0.01)
     * loss_s = ((p*c).sum()**2)*0.01*(s+1) + (b**3).sum(), three steps
     */
    @Test
    void adamWMatchesTorch() {
        Map<String, Tensor> m = params();
        Adam opt = Adam.adamW(m, 0.1);
        for (int s = 0; s < 3; s++) {
            Params.zeroGrad(m);
            Tensor loss = m.get("fc.weight").mul(Tensor.of(C, 2, 3)).sum().square().mul(0.01f * (s + 1))
                    .add(m.get("fc.bias").pow(3f).sum());
            loss.backward();
            opt.step(0.01, 1.0);
        }
        assertClose(new double[]{0.4691523313522339, -1.0263522863388062, 1.964656949043274, 0.07035112380981445, 0.17005141079425812, -0.328450083732605}, m.get("fc.weight"));
        assertClose(new double[]{0.2700868844985962, -0.23004938662052155}, m.get("fc.bias"));
        assertEquals(3, opt.steps());
    }

    /* opt = Adam([p], lr=0.01, weight_decay=0.1) (L2 added to the gradient), same loss without the bias term */
    @Test
    void adamWithL2MatchesTorch() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("fc.weight", params().get("fc.weight"));
        Adam opt = new Adam(m, new Adam.Config(0.9, 0.999, 1e-8, 0.1, false), null);
        for (int s = 0; s < 3; s++) {
            Params.zeroGrad(m);
            m.get("fc.weight").mul(Tensor.of(C, 2, 3)).sum().square().mul(0.01f * (s + 1)).backward();
            opt.step(0.01, 1.0);
        }
        assertClose(new double[]{0.4702518880367279, -1.028238296508789, 1.97019362449646, 0.07059264183044434, 0.17057712376117706, -0.3293169438838959}, m.get("fc.weight"));
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        Map<String, Tensor> a = params(), b = params();
        Adam oa = Adam.adamW(a, 0.1), ob = Adam.adamW(b, 0.1);
        for (int s = 0; s < 4; s++) {
            for (var m : java.util.List.of(a, b)) {
                Params.zeroGrad(m);
                m.get("fc.weight").square().sum().add(m.get("fc.bias").sum()).backward();
            }
            oa.step(0.01, 1.0);
            if (s == 1) { // rebuild b's optimiser from a checkpoint of its state
                ob.step(0.01, 1.0);
                Adam fresh = Adam.adamW(b, 0.1);
                fresh.load(ob.state(), ob.steps());
                ob = fresh;
            } else ob.step(0.01, 1.0);
        }
        assertArrayEquals(a.get("fc.weight").toArray(), b.get("fc.weight").toArray());
        assertArrayEquals(a.get("fc.bias").toArray(), b.get("fc.bias").toArray());
    }

    @Test
    void clippingScalesToMaxNorm() {
        Map<String, Tensor> m = params();
        m.get("fc.weight").mul(Tensor.of(C, 2, 3)).sum().backward(); // grad = C, norm sqrt(91)
        double n = GradClip.globalNorm(m);
        assertEquals(Math.sqrt(91), n, 1e-9);
        assertEquals(1.0, GradClip.factor(n, 100), 0);
        assertEquals(1.0 / (Math.sqrt(91) + 1e-6), GradClip.factor(n, 1.0), 1e-12);
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        LrSchedule s = LrSchedule.warmupCosine(1.0, 10, 110, 0.1);
        assertEquals(0.1, s.at(0), 1e-12);
        assertEquals(1.0, s.at(9), 1e-12);
        assertEquals(1.0, s.at(10), 1e-12);
        assertEquals(0.55, s.at(60), 1e-12);
        assertEquals(0.1, s.at(110), 1e-12);
        assertEquals(0.1, s.at(500), 1e-12);
        assertEquals(1.0, LrSchedule.warmupConstant(1.0, 0).at(1000), 0);
    }

    @Test
    void emaMovesTowardsSource() {
        Map<String, Tensor> src = new LinkedHashMap<>();
        src.put("w", Tensor.of(new float[]{1, 2}, 2));
        Ema e = new Ema(src);
        src.get("w").data()[0] = 3;
        e.update(0.75);
        assertArrayEquals(new float[]{1.5f, 2f}, e.weights().get("w").toArray());
        assertEquals(0.996, Ema.cosineMomentum(0.996, 0, 100), 1e-12);
        assertEquals(1.0, Ema.cosineMomentum(0.996, 100, 100), 1e-12);
    }
}
