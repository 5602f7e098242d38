package svg.nn.module;

import org.junit.jupiter.api.Test;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.layer.Linear;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModuleTest {
    static final DiTConfig TINY = new DiTConfig(2, 1, 6, 16, 2, 2, 2.0, 0.1, 5, true, 0, true);

    @Test
    void stateDictKeysFollowOfficialNamesAndOrder() {
        DiT m = new DiT(TINY, new Rng(1));
        List<String> keys = List.copyOf(m.stateDict().keySet());
        assertEquals("pos_embed", keys.get(0));
        assertEquals("t_embedder.mlp.0.weight", keys.get(1));
        assertTrue(keys.contains("y_embedder.embedding_table.weight"));
        assertTrue(keys.contains("blocks.1.adaLN_modulation.1.weight"));
        assertTrue(keys.contains("blocks.0.attn.q_norm.weight"));
        assertTrue(keys.contains("blocks.0.mlp.fc2.bias"));
        assertTrue(keys.contains("ln1.weight"));
        assertEquals("final_layer.adaLN_modulation.1.bias", keys.get(keys.size() - 1));
        // pos_embed is state but not a trainable parameter
        assertFalse(m.namedParameters().containsKey("pos_embed"));
        assertEquals(m.stateDict().size() - 1, m.namedParameters().size());
    }

    @Test
    void numParametersSumsTrainableShapes() {
        Linear l = new Linear(3, 4, true, null);
        assertEquals(16, l.numParameters());
        assertEquals(2, l.parameters().size());
    }

    @Test
    void strictLoadReportsMissingUnexpectedAndMisShapedByName() {
        DiT m = new DiT(TINY, new Rng(1));
        Map<String, Tensor> sd = new LinkedHashMap<>(new DiT(TINY, new Rng(2)).stateDict());
        sd.remove("ln1.bias");
        sd.put("extra.weight", Tensor.zeros(2));
        sd.put("ln1.weight", Tensor.zeros(3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd, true));
        assertTrue(e.getMessage().contains("ln1.bias"), e.getMessage());
        assertTrue(e.getMessage().contains("extra.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("ln1.weight (checkpoint [3, 3], model [16, 6])"), e.getMessage());

        float before = m.ln1.bias.get(0);
        LoadResult r = m.loadStateDict(sd, false);
        assertEquals(List.of("ln1.bias"), r.missing());
        assertEquals(List.of("extra.weight"), r.unexpected());
        assertEquals(1, r.mismatched().size());
        assertEquals(before, m.ln1.bias.get(0), "a missing key keeps its value");
        assertArrayEquals(sd.get("blocks.0.attn.qkv.weight").toArray(), m.blocks.get(0).attn.qkv.weight.toArray());
    }

    @Test
    void roundTripGivesIdenticalOutputsAndKeepsParameterIdentity() {
        DiT a = new DiT(TINY, new Rng(3));
        TestWeights.perturb(a, new Rng(4));
        DiT b = new DiT(TINY, null);
        Tensor w = b.ln1.weight;
        b.loadStateDict(a.stateDict());
        assertSame(w, b.ln1.weight);
        Tensor x = Tensor.randn(new Rng(5), 2, 4, 6), t = Tensor.of(new float[]{0.1f, 0.9f}, 2);
        try (var g = GradMode.noGrad()) {
            assertArrayEquals(a.forward(x, t, new int[]{1, 5}).toArray(), b.forward(x, t, new int[]{1, 5}).toArray());
        }
    }

    @Test
    void modesAndFreeze() {
        DiT m = new DiT(TINY, new Rng(1));
        assertTrue(m.isTraining());
        m.eval();
        assertFalse(m.isTraining());
        assertFalse(m.blocks.get(1).attn.isTraining());
        m.train();
        assertTrue(m.blocks.get(1).attn.isTraining());
        m.freeze();
        assertTrue(m.parameters().stream().noneMatch(Tensor::requiresGrad));
        m.unfreeze();
        assertTrue(m.parameters().stream().allMatch(Tensor::requiresGrad));
    }

    @Test
    void metaScopeBuildsShapeOnlyTensorsThatRefuseLoading() {
        DiT m;
        try (var s = Meta.scope()) { m = new DiT(TINY, new Rng(1)); }
        assertEquals(new DiT(TINY, null).numParameters(), m.numParameters());
        assertTrue(Meta.isMeta(m.ln1.weight));
        assertThrows(IllegalStateException.class, () -> m.loadStateDict(new DiT(TINY, null).stateDict()));
        assertFalse(Meta.enabled());
    }

    @Test
    void registrationRejectsDottedAndDuplicateNames() {
        class Bad extends Module {
            Bad(String n) { param(n, 1); param("w", 1); }
        }
        assertThrows(IllegalArgumentException.class, () -> new Bad("a.b"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("w"));
    }
}
