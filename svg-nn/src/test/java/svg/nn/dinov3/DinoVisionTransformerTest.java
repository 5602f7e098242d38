package svg.nn.dinov3;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DinoVisionTransformerTest {
    static final DinoV3Config SMALL = DinoV3Config.VITS16PLUS.withSize(32, 2, 2);

    @Test
    void officialKeysIncludingBuffers() {
        Set<String> keys = new DinoVisionTransformer(SMALL, new Rng(1)).stateDict().keySet();
        for (String k : List.of("cls_token", "storage_tokens", "mask_token", "patch_embed.proj.weight", "rope_embed.periods",
                "blocks.0.attn.qkv.bias_mask", "blocks.1.ls2.gamma", "blocks.1.mlp.w3.bias", "norm.weight"))
            assertTrue(keys.contains(k), k);
        // 3 tokens + 2 patch_embed + periods + 2 blocks x 17 + 2 norm (the official vits16plus has 212 = 8 + 12 x 17)
        assertEquals(42, keys.size());
    }

    @Test
    void kBiasIsMaskedAndTablesAreRotateHalf() {
        DinoVisionTransformer m = new DinoVisionTransformer(SMALL, new Rng(1));
        float[] mask = m.blocks.get(0).attn.qkv.stateDict().get("bias_mask").toArray();
        assertEquals(96, mask.length);
        assertEquals(1f, mask[0]);
        assertEquals(0f, mask[32]);
        assertEquals(0f, mask[63]);
        assertEquals(1f, mask[64]);
        Tensor[] sc = m.rope_embed.forward(2, 3);
        assertArrayEquals(new int[]{6, 16}, sc[0].shape());
        // tiled twice: column j and j + hd/2 share the angle
        for (int j = 0; j < 8; j++) assertEquals(sc[0].get(4, j), sc[0].get(4, j + 8));
        // separate normalisation: token (row 0, col 2) has w-coordinate 2*(2.5/3)-1 and h-coordinate 2*(0.5/2)-1
        float per0 = m.rope_embed.periods.get(0);
        assertEquals(Math.sin(2 * Math.PI * (2 * (0.5 / 2) - 1) / per0), sc[0].get(2, 0), 1e-6);
        assertEquals(Math.sin(2 * Math.PI * (2 * (2.5 / 3) - 1) / per0), sc[0].get(2, 4), 1e-6);
    }

    @Test
    void nonSquareInputsAndIntermediateLayers() {
        DinoVisionTransformer m = new DinoVisionTransformer(SMALL, new Rng(1));
        m.eval();
        Tensor x = Tensor.randn(new Rng(2), 2, 3, 32, 48);
        try (var g = GradMode.noGrad()) {
            var f = m.forwardFeatures(x);
            assertArrayEquals(new int[]{2, 32}, f.x_norm_clstoken().shape());
            assertArrayEquals(new int[]{2, 4, 32}, f.x_storage_tokens().shape());
            assertArrayEquals(new int[]{2, 6, 32}, f.x_norm_patchtokens().shape());
            assertArrayEquals(new int[]{2, 11, 32}, f.x_prenorm().shape());
            var gil = m.getIntermediateLayers(x, 1, true, true);
            assertArrayEquals(new int[]{2, 32, 2, 3}, gil.get(0).patchTokens().shape());
            assertArrayEquals(f.x_norm_clstoken().toArray(), gil.get(0).classToken().toArray());
            assertThrows(IllegalArgumentException.class, () -> m.getIntermediateLayers(x, 3, false, true));
        }
    }

    @Test
    void gradientsReachThePatchEmbedding() {
        DinoVisionTransformer m = new DinoVisionTransformer(SMALL, new Rng(1));
        Tensor x = Tensor.randn(new Rng(2), 1, 3, 32, 32);
        m.forwardFeatures(x).x_norm_patchtokens().square().mean().backward();
        assertNotNull(m.patch_embed.proj.weight.grad());
        assertNotNull(m.storage_tokens.grad());
        assertNull(m.mask_token.grad(), "mask_token is unused in inference");
    }
}
