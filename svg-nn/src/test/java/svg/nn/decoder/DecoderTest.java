package svg.nn.decoder;

import org.junit.jupiter.api.Test;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.autograd.GradMode;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DecoderTest {
    static final DecoderConfig SMALL = new DecoderConfig(32, 3, new int[]{1, 2}, 1, new int[]{4}, 0, 8, 12, 3, true);

    @Test
    void structureFollowsTheOfficialLayout() {
        Decoder d = new Decoder(SMALL, new Rng(1));
        Set<String> keys = d.stateDict().keySet();
        assertTrue(keys.contains("conv_in.weight"));
        assertTrue(keys.contains("mid.attn_1.proj_out.weight"));
        // up[1] is the 4x4 level (lowest): width 64, attention after each block, upsample
        assertTrue(keys.contains("up.1.attn.1.q.weight"));
        assertTrue(keys.contains("up.1.upsample.conv.weight"));
        assertTrue(keys.contains("up.0.block.0.nin_shortcut.weight"), "64 -> 32 channels needs a 1x1 shortcut");
        assertFalse(keys.contains("up.0.upsample.conv.weight"));
        assertFalse(keys.contains("up.0.attn.0.q.weight"));
        assertTrue(keys.contains("norm_out.bias"));
        assertArrayEquals(new int[]{3, 32, 3, 3}, d.stateDict().get("conv_out.weight").shape());
    }

    @Test
    void upsamplesByTwoPerLevelAndIsDifferentiable() {
        Decoder d = new Decoder(SMALL, new Rng(1));
        Tensor z = Tensor.randn(new Rng(2), 2, 12, 4, 5).requiresGrad(true); // non-square latents are fine
        Tensor img = d.forward(z);
        assertArrayEquals(new int[]{2, 3, 8, 10}, img.shape());
        img.square().mean().backward();
        assertNotNull(z.grad());
        for (var e : d.namedParameters().entrySet()) assertNotNull(e.getValue().grad(), e.getKey());
    }

    @Test
    void wrongLatentChannelsFailClearly() {
        Decoder d = new Decoder(SMALL, new Rng(1));
        try (var g = GradMode.noGrad()) {
            var e = assertThrows(IllegalArgumentException.class, () -> d.forward(Tensor.zeros(1, 10, 4, 4)));
            assertTrue(e.getMessage().contains("12"));
        }
    }

    @Test
    void svgPresetGeometry() {
        assertEquals(16, DecoderConfig.SVG.latentResolution());
        assertEquals(16, DecoderConfig.SVG.upsampleFactor());
        assertThrows(IllegalArgumentException.class, () -> new DecoderConfig(20, 3, new int[]{1}, 1, new int[]{}, 0, 8, 4, 3, true));
    }
}
