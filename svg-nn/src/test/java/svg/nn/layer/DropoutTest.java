package svg.nn.layer;

import org.junit.jupiter.api.Test;
import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.encoder.MultiheadAttention;
import svg.nn.encoder.ResidualViT;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.pipeline.RecordJson;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Dropout (torch.nn.Dropout) and where SVG uses it: the residual ViT (after the position embedding, on the attention
 * probabilities, after the attention, in the MLPs) and the LDM decoder's ResNet blocks. Training only; inference and
 * the state-dict keys are unchanged; masks come from the caller's Rng.
 */
class DropoutTest {
    static final double P = 0.25;

    @Test
    void trainModeDropsAFractionPAndScalesTheRestBy1OverOneMinusP() {
        int n = 8000;
        Tensor x = Tensor.randn(new Rng(1), n);
        float[] in = x.toArray(), out = new Dropout(P).forward(x, new Rng(2)).toArray();
        float keep = (float) (1 / (1 - P));
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            if (out[i] == 0f) dropped++;
            else assertEquals(in[i] * keep, out[i], 0f, "kept element " + i + " is scaled by exactly 1/(1-p)");
        }
        // binomial(8000, 0.25): sd 39, so +-200 is over 5 sd
        assertEquals(P * n, dropped, 200, "dropped " + dropped + " of " + n);
        // the expectation is unchanged: mean of dropout(ones) ~ 1
        float[] ones = new Dropout(P).forward(Tensor.ones(n), new Rng(3)).toArray();
        double mean = 0;
        for (float v : ones) mean += v;
        assertEquals(1.0, mean / n, 0.03);
    }

    @Test
    void evalModeAndNoRngAreTheIdentityAndDrawNothing() {
        Tensor x = Tensor.randn(new Rng(1), 4, 5);
        Rng rng = new Rng(9);
        long[] before = rng.state();
        Dropout d = new Dropout(P);
        d.eval();
        assertSame(x, d.forward(x, rng), "eval mode");
        d.train();
        assertSame(x, d.forward(x), "no Rng");
        assertSame(x, d.forward(x, null), "null Rng");
        assertSame(x, new Dropout(0).forward(x, rng), "p = 0");
        assertArrayEquals(before, rng.state(), "no random draws");
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(Double.NaN));
    }

    @Test
    void masksComeFromTheRngSoTrainingIsReproducible() {
        Tensor x = Tensor.randn(new Rng(1), 64);
        Rng a = new Rng(5), b = new Rng(5), c = new Rng(5);
        assertArrayEquals(new Dropout(P).forward(x, a).toArray(), new Dropout(P).forward(x, b).toArray());
        // one draw per element, nothing else: the Rng is where a checkpoint leaves it
        for (int i = 0; i < 64; i++) c.nextDouble();
        assertArrayEquals(c.state(), a.state());
    }

    @Test
    void gradientFlowsOnlyThroughKeptUnitsWithTheSameScale() {
        Tensor x = Tensor.randn(new Rng(1), 3, 40).requiresGrad(true);
        Tensor w = Tensor.randn(new Rng(2), 3, 40);
        Tensor y = new Dropout(P).forward(x, new Rng(4));
        y.mul(w).sum().backward();
        float[] yv = y.toArray(), g = x.grad().toArray(), wv = w.toArray();
        float keep = (float) (1 / (1 - P));
        int kept = 0;
        for (int i = 0; i < yv.length; i++) {
            if (yv[i] == 0f) assertEquals(0f, g[i], 0f, "dropped unit " + i + " gets no gradient");
            else {
                kept++;
                assertEquals(wv[i] * keep, g[i], 1e-6f, "kept unit " + i);
            }
        }
        assertTrue(kept > 0 && kept < yv.length);
    }

    private static ResidualViTConfig vit(double p, double pa) { return new ResidualViTConfig(16, 4, 2, 2, 16, 32, 4, p, pa); }

    @Test
    void residualVitDropsInTrainingOnlyAndKeepsItsKeys() {
        ResidualViT plain = new ResidualViT(vit(0, 0), new Rng(1)), drop = new ResidualViT(vit(0.1, 0.1), null);
        assertEquals(plain.stateDict().keySet(), drop.stateDict().keySet(), "dropout adds no state-dict keys");
        drop.loadStateDict(plain.stateDict());
        Tensor x = Tensor.randn(new Rng(2), 2, 3, 16, 16);
        float[] ref = plain.forward(x).toArray();
        // training mode without an Rng, and eval mode with one, are the inference path
        assertArrayEquals(ref, drop.forward(x).toArray());
        assertArrayEquals(ref, drop.forward(x, null).toArray());
        drop.eval();
        assertArrayEquals(ref, drop.forward(x, new Rng(3)).toArray());
        drop.train();
        float[] t1 = drop.forward(x, new Rng(3)).toArray(), t2 = drop.forward(x, new Rng(3)).toArray();
        assertFalse(Arrays.equals(ref, t1), "training mode with an Rng drops");
        assertArrayEquals(t1, t2, "same Rng state, same masks");
        // attention dropout alone changes the output too (the explicit-probabilities path)
        ResidualViT attnOnly = new ResidualViT(vit(0, 0.5), null);
        attnOnly.loadStateDict(plain.stateDict());
        assertFalse(Arrays.equals(ref, attnOnly.forward(x, new Rng(3)).toArray()));
    }

    @Test
    void explicitAttentionPathEqualsTheFusedOne() {
        // p so small that nothing is dropped and 1/(1-p) rounds to 1f: the explicit softmax(q k^T) v path must then
        // agree with the fused attention it replaces in training
        MultiheadAttention a = new MultiheadAttention(16, 2, 1e-12, new Rng(1));
        Tensor x = Tensor.randn(new Rng(2), 3, 7, 16);
        float[] fused = a.forward(x).toArray(), explicit = a.forward(x, new Rng(3)).toArray();
        for (int i = 0; i < fused.length; i++) assertEquals(fused[i], explicit[i], 1e-5f, "element " + i);
    }

    @Test
    void decoderResnetBlocksDropInTrainingOnly() {
        DecoderConfig plainCfg = new DecoderConfig(32, 3, new int[]{1, 1}, 0, new int[0], 0.0, 8, 6, 3, true);
        DecoderConfig dropCfg = new DecoderConfig(32, 3, new int[]{1, 1}, 0, new int[0], 0.3, 8, 6, 3, true);
        Decoder plain = new Decoder(plainCfg, new Rng(1)), drop = new Decoder(dropCfg, null);
        assertEquals(plain.stateDict().keySet(), drop.stateDict().keySet());
        drop.loadStateDict(plain.stateDict());
        Tensor z = Tensor.randn(new Rng(2), 2, 6, 4, 4);
        float[] ref = plain.forward(z).toArray();
        assertArrayEquals(ref, drop.forward(z).toArray());
        assertArrayEquals(ref, plain.forward(z, new Rng(3)).toArray(), "dropout 0 draws no masks");
        drop.eval();
        assertArrayEquals(ref, drop.forward(z, new Rng(3)).toArray());
        drop.train();
        assertFalse(Arrays.equals(ref, drop.forward(z, new Rng(3)).toArray()));
        assertThrows(IllegalArgumentException.class, () -> new DecoderConfig(32, 3, new int[]{1}, 0, new int[0], 1.0, 8, 6, 3, true));
    }

    @Test
    void configFilesWithoutDropoutStillLoadAndOnesWithoutItAreWrittenAsBefore() {
        Map<String, Object> old = new LinkedHashMap<>(RecordJson.toMap(vit(0, 0)));
        assertFalse(old.containsKey("dropout") || old.containsKey("attention_dropout"), "0 is not written: " + old);
        ResidualViTConfig read = RecordJson.fromMap(ResidualViTConfig.class, old);
        assertEquals(0.0, read.dropout());
        assertEquals(0.0, read.attention_dropout());
        Map<String, Object> with = RecordJson.toMap(vit(0.1, 0.2));
        assertEquals(0.1, with.get("dropout"));
        assertEquals(0.2, with.get("attention_dropout"));
        assertEquals(vit(0.1, 0.2), RecordJson.fromMap(ResidualViTConfig.class, with));
        with.put("dropout", 1.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecordJson.fromMap(ResidualViTConfig.class, with));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        // the official configuration trains with 0.1 and 0.1
        assertEquals(0.1, ResidualViTConfig.SVG.dropout());
        assertEquals(0.1, ResidualViTConfig.SVG.attention_dropout());
    }
}
