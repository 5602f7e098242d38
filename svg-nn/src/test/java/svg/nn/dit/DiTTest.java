package svg.nn.dit;

import org.junit.jupiter.api.Test;
import svg.nn.module.TestWeights;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DiTTest {
    // an 8x8 latent grid (32x32 images), 6 channels, tiny widths
    static final DiTConfig SMALL = new DiTConfig(8, 1, 6, 32, 2, 4, 4.0, 0.1, 10, true, 0, true);

    @Test
    void forwardShapeAndOfficialZeroInit() {
        DiT m = new DiT(SMALL, new Rng(1));
        Tensor x = Tensor.randn(new Rng(2), 3, 64, 6), t = Tensor.of(new float[]{0, 0.5f, 1}, 3);
        Tensor out;
        try (var g = GradMode.noGrad()) { out = m.forward(x, t, new int[]{0, 9, 10}); }
        assertArrayEquals(new int[]{3, 64, 12}, out.shape());
        // adaLN-Zero: the zeroed final layer makes the initial output exactly zero
        for (float v : out.toArray()) assertEquals(0f, v);
    }

    @Test
    void badInputsFailClearly() {
        DiT m = new DiT(SMALL, new Rng(1));
        Tensor t = Tensor.of(new float[]{0.5f}, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(1, 256, 6), t, new int[]{1}));
        assertTrue(e.getMessage().contains("64 tokens"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(1, 64, 5), t, new int[]{1}));
        assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(1, 64, 6), t, new int[]{11}));
        assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(2, 64, 6), t, new int[]{1, 2}));
    }

    @Test
    void posEmbedFirstHalfIsColumnSecondHalfIsRow() {
        Tensor pe = SinCosPosEmbed.table(8, 3); // quarter = 2, omega = [1, 1/100]
        int token = 1 * 3 + 2; // row 1, column 2
        assertEquals(Math.sin(2.0), pe.get(0, token, 0), 1e-6);
        assertEquals(Math.sin(0.02), pe.get(0, token, 1), 1e-6);
        assertEquals(Math.cos(2.0), pe.get(0, token, 2), 1e-6);
        assertEquals(Math.sin(1.0), pe.get(0, token, 4), 1e-6);
        assertEquals(Math.cos(0.01), pe.get(0, token, 7), 1e-6);
    }

    @Test
    void timestepEmbeddingIsCosThenSinOfUnscaledT() {
        Tensor e = TimestepEmbedder.timestepEmbedding(Tensor.of(new float[]{0f, 1f}, 2), 256, 10000);
        assertEquals(1f, e.get(0, 0));
        assertEquals(0f, e.get(0, 128));
        assertEquals(Math.cos(1.0), e.get(1, 0), 1e-7);
        assertEquals(Math.sin(1.0), e.get(1, 128), 1e-7);
        assertEquals(Math.sin(Math.exp(-Math.log(10000) * 5 / 128)), e.get(1, 133), 1e-7);
    }

    @Test
    void everyParameterGetsAGradient() {
        DiT m = new DiT(SMALL, new Rng(1));
        TestWeights.perturb(m, new Rng(9));
        Tensor x = Tensor.randn(new Rng(2), 2, 64, 6), t = Tensor.of(new float[]{0.2f, 0.7f}, 2);
        Tensor loss = m.forward(x, t, new int[]{3, 10}).square().mean();
        loss.backward();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            Tensor g = e.getValue().grad();
            assertNotNull(g, e.getKey());
            double s = 0;
            for (float v : g.toArray()) s += Math.abs(v);
            if (!e.getKey().equals("y_embedder.embedding_table.weight")) assertTrue(s > 0, "zero gradient for " + e.getKey());
        }
        // only the rows of the used labels get gradient
        Tensor gy = m.y_embedder.embedding_table.weight.grad();
        assertNotEquals(0f, gy.get(3, 0));
        assertEquals(0f, gy.get(4, 0));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        DiTConfig c = new DiTConfig(2, 1, 3, 16, 1, 2, 2.0, 0.1, 4, true, 0, true);
        DiT m = new DiT(c, new Rng(1));
        TestWeights.perturb(m, new Rng(3));
        Tensor x = Tensor.randn(new Rng(2), 2, 4, 3), t = Tensor.of(new float[]{0.3f, 0.6f}, 2);
        int[] y = {1, 4};
        Tensor w = Tensor.randn(new Rng(5), 2, 4, 6);
        m.forward(x, t, y).mul(w).sum().backward();
        String[] names = {"blocks.0.attn.qkv.weight", "blocks.0.attn.k_norm.weight", "blocks.0.adaLN_modulation.1.bias",
                "t_embedder.mlp.0.weight", "ln1.weight", "final_layer.linear.weight"};
        for (String name : names) {
            Tensor p = m.namedParameters().get(name);
            float[] d = p.data();
            for (int i : new int[]{0, d.length / 2}) {
                float keep = d[i];
                double h = 1e-2;
                double fp, fm;
                try (var g = GradMode.noGrad()) {
                    d[i] = (float) (keep + h);
                    fp = m.forward(x, t, y).mul(w).sum().item();
                    d[i] = (float) (keep - h);
                    fm = m.forward(x, t, y).mul(w).sum().item();
                }
                d[i] = keep;
                double num = (fp - fm) / (2 * h), ana = p.grad().toArray()[i];
                assertEquals(num, ana, 2e-2 * Math.max(1, Math.abs(num)), name + "[" + i + "]");
            }
        }
    }

    @Test
    void velocityIsTheFirstHalfOfTheOutput() {
        DiT m = new DiT(SMALL, new Rng(1));
        TestWeights.perturb(m, new Rng(2));
        Tensor x = Tensor.randn(new Rng(3), 1, 64, 6), t = Tensor.of(new float[]{0.4f}, 1);
        try (var g = GradMode.noGrad()) {
            Tensor out = m.forward(x, t, new int[]{2}), v = m.velocity(x, t, new int[]{2});
            assertArrayEquals(new int[]{1, 64, 6}, v.shape());
            assertArrayEquals(out.narrow(2, 0, 6).toArray(), v.toArray());
            svg.nn.flow.VelocityModel vm = m::velocity;
            assertArrayEquals(v.toArray(), vm.velocity(x, t, new int[]{2}).toArray());
        }
    }

    @Test
    void presetsHaveOfficialSizes() {
        assertEquals(1152, DiTConfig.preset("XL").hidden_size());
        assertEquals(28, DiTConfig.preset("DiT-XL").depth());
        assertEquals(16, DiTConfig.preset("xl").num_heads());
        assertEquals(384, DiTConfig.S.hidden_size());
        assertEquals(784, DiTConfig.B.outChannels());
        assertEquals(1000, DiTConfig.L.nullClass());
        assertThrows(IllegalArgumentException.class, () -> DiTConfig.preset("M"));
    }
}
