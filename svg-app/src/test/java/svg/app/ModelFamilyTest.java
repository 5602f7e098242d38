package svg.app;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Detection on the exact key names and shapes of the golden checkpoints (official code, small configs); the
 * expected values are those configs' constructor arguments (golden case.json).
 */
class ModelFamilyTest {
    static Map<String, int[]> keys(String cas) {
        Map<String, int[]> m = new LinkedHashMap<>();
        try (var in = ModelFamilyTest.class.getResourceAsStream("keys/" + cas + ".tsv");
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            r.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).forEach(l -> {
                String[] p = l.split("\t");
                m.put(p[0], p.length < 2 || p[1].isEmpty() ? new int[0] : Arrays.stream(p[1].split(",")).mapToInt(Integer::parseInt).toArray());
            });
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return m;
    }

    @Test
    void dit() {
        var d = ModelFamily.detect(keys("svg_dit"));
        assertTrue(d.family().contains("DiT"), d.family());
        var c = d.config();
        assertEquals(16, c.get("input_size"));
        assertEquals(1, c.get("patch_size"));
        assertEquals(72, c.get("in_channels"));
        assertEquals(96, c.get("hidden_size"));
        assertEquals(2, c.get("depth"));
        assertEquals(4, c.get("num_heads"));
        assertEquals(4.0, c.get("mlp_ratio"));
        assertEquals(10, c.get("num_classes"));
        assertEquals(true, c.get("qk_norm"));
        assertEquals(true, c.get("learn_sigma"));
    }

    @Test
    void dinov3() {
        var d = ModelFamily.detect(keys("dinov3_vit"));
        assertEquals("DINOv3 ViT", d.family());
        var c = d.config();
        assertEquals(64, c.get("embed_dim"));
        assertEquals(3, c.get("depth"));
        assertEquals(2, c.get("num_heads"));
        assertEquals(16, c.get("patch_size"));
        assertEquals(4, c.get("n_storage_tokens"));
        assertEquals("swiglu", c.get("ffn_layer"));
        assertEquals(true, c.get("mask_k_bias"));
    }

    @Test
    void residualVit() {
        var d = ModelFamily.detect(keys("svg_residual_vit"));
        assertTrue(d.family().startsWith("SVG residual ViT"), d.family());
        var c = d.config();
        assertEquals(64, c.get("image_size"));
        assertEquals(16, c.get("patch_size"));
        assertEquals(2, c.get("num_layers"));
        assertEquals(64, c.get("hidden_dim"));
        assertEquals(128, c.get("mlp_dim"));
    }

    @Test
    void decoder() {
        var d = ModelFamily.detect(keys("svg_decoder"));
        assertEquals("LDM convolutional decoder", d.family());
        var c = d.config();
        assertEquals(72, c.get("z_channels"));
        assertEquals(32, c.get("ch"));
        assertEquals("[1, 2, 2]", c.get("ch_mult"));
        assertEquals(1, c.get("num_res_blocks"));
        assertEquals(3, c.get("out_ch"));
        // attn_resolutions [4] at resolution 16 with 3 levels: the lowest level (index 2)
        assertEquals("[2]", c.get("attention_levels"));
    }

    @Test
    void autoencoderCombinesItsParts() {
        var d = ModelFamily.detect(keys("svg_autoencoder_encode"));
        assertTrue(d.family().startsWith("SVG autoencoder"), d.family());
        var c = d.config();
        assertEquals(8, c.get("residual_channels"));
        assertEquals(64, ((Map<?, ?>) c.get("encoder")).get("embed_dim"));
        assertEquals(2, ((Map<?, ?>) c.get("extra_vit")).get("num_layers"));
        assertEquals(72, ((Map<?, ?>) c.get("decoder")).get("z_channels"));
    }

    @Test
    void dinov2() {
        // official dinov2 ViT-S/14 with 4 registers, key names and shapes (depth cut to 2)
        Map<String, int[]> k = new LinkedHashMap<>();
        k.put("cls_token", new int[]{1, 1, 384});
        k.put("pos_embed", new int[]{1, 1370, 384});
        k.put("register_tokens", new int[]{1, 4, 384});
        k.put("mask_token", new int[]{1, 384});
        k.put("patch_embed.proj.weight", new int[]{384, 3, 14, 14});
        for (int b = 0; b < 2; b++) {
            k.put("blocks." + b + ".norm1.weight", new int[]{384});
            k.put("blocks." + b + ".attn.qkv.weight", new int[]{1152, 384});
            k.put("blocks." + b + ".ls1.gamma", new int[]{384});
            k.put("blocks." + b + ".mlp.fc1.weight", new int[]{1536, 384});
        }
        k.put("norm.weight", new int[]{384});
        var d = ModelFamily.detect(k);
        assertEquals("DINOv2 ViT", d.family());
        assertEquals(518, d.config().get("img_size"));
        assertEquals(14, d.config().get("patch_size"));
        assertEquals(384, d.config().get("embed_dim"));
        assertEquals(2, d.config().get("depth"));
        assertEquals(4, d.config().get("num_register_tokens"));
        assertEquals("mlp", d.config().get("ffn_layer"));
    }

    @Test
    void statsWrappedKeysAndUnknown() {
        var s = ModelFamily.detect(Map.of("dinov3_sp_mean", new int[]{1, 1, 72}, "dinov3_sp_std", new int[]{1, 1, 72}));
        assertTrue(s.family().startsWith("latent statistics"));
        assertEquals(72, s.config().get("channels"));

        Map<String, int[]> wrapped = new LinkedHashMap<>();
        keys("svg_dit").forEach((k, v) -> wrapped.put("module." + k, v));
        var w = ModelFamily.detect(wrapped);
        assertEquals(96, w.config().get("hidden_size"));
        assertTrue(w.notes().get(0).contains("module."));

        var u = ModelFamily.detect(Map.of("foo.weight", new int[]{3}));
        assertFalse(u.known());
    }
}
