package svg.nn.lpips;

import org.junit.jupiter.api.Test;
import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.data.Batch;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.train.StepOutput;
import svg.nn.train.autoencoder.AutoencoderLossConfig;
import svg.nn.train.autoencoder.AutoencoderTask;
import svg.tensor.Rng;
import svg.tensor.Tensor;
import svg.tensor.io.TensorFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The autoencoder trainer's perceptual term switches to LPIPS when given one, and its gradient reaches the decoder. */
class LpipsAutoencoderLossTest {
    static final DinoV3Config VIT = new DinoV3Config(16, 4, 3, 100, "separate", 2, 16, 1, 1, 2, true, 0.1,
            "layernormbf16", "mlp", true, true, 1, true);

    static SvgAutoencoder tinyAe() {
        DecoderConfig dec = new DecoderConfig(32, 3, new int[]{1, 1, 1}, 0, new int[0], 0.0, 16, 20, 3, true);
        ResidualViTConfig res = new ResidualViTConfig(16, 4, 1, 1, 16, 32, 4);
        return new SvgAutoencoder(new SvgAutoencoderConfig(VIT, res, dec, 32, 0.1, true), new Rng(2));
    }

    static Lpips lpips() throws Exception {
        Map<String, Tensor> lin = TensorFiles.loadStateDict(Path.of(LpipsAutoencoderLossTest.class.getResource("/lpips/vgg_lin_official.pth").toURI()), null);
        List<Tensor> lw = new ArrayList<>();
        for (int k = 0; k < 5; k++) lw.add(lin.get("lin" + k + ".model.1.weight"));
        return new Lpips(new Vgg16Features(HashVgg.stateDict()), lw);
    }

    @Test
    void lpipsReplacesTheEncoderFeatureLoss() throws Exception {
        Tensor x = Tensor.rand(new Rng(5), 0f, 1f, 2, 3, 16, 16);
        Batch b = new Batch(0, new Tensor[]{x}, new int[2], new int[2]);
        AutoencoderLossConfig lc = new AutoencoderLossConfig(0.5, 0, 0, 2e-4, 8);
        AutoencoderTask withLpips = new AutoencoderTask(tinyAe(), lc, new Rng(3), lpips());
        AutoencoderTask plain = new AutoencoderTask(tinyAe(), lc, new Rng(3));
        StepOutput a = withLpips.forward(b, new Rng(4), 0), p = plain.forward(b, new Rng(4), 0);
        // same model, same data, same masking: only the perceptual term differs
        assertEquals(p.logs().get("loss_l1"), a.logs().get("loss_l1"), 0.0);
        double pa = a.logs().get("loss_perceptual");
        assertNotEquals(p.logs().get("loss_perceptual"), pa);
        assertTrue(pa > 0 && pa < 10, "LPIPS of a random-init reconstruction: " + pa);
        assertEquals(a.logs().get("loss_l1") + 0.5 * pa, a.loss().item(), 1e-5);
        assertEquals("lpips-vgg", withLpips.metadata().get("perceptual"));
        assertEquals("encoder-features", plain.metadata().get("perceptual"));
        a.loss().backward();
        Tensor w = withLpips.parameters().get("decoder.conv_out.weight");
        assertNotNull(w, "decoder.conv_out.weight: " + withLpips.parameters().keySet());
        assertNotNull(w.grad());
        // the LPIPS term's own gradient reaches the decoder: it differs from the L1-only gradient
        AutoencoderTask l1Only = new AutoencoderTask(tinyAe(), new AutoencoderLossConfig(0, 0, 0, 2e-4, 8), new Rng(3), lpips());
        l1Only.forward(b, new Rng(4), 0).loss().backward();
        float[] gBoth = w.grad().toArray(), gL1 = l1Only.parameters().get("decoder.conv_out.weight").grad().toArray();
        double diff = 0;
        for (int i = 0; i < gBoth.length; i++) diff += Math.abs(gBoth[i] - gL1[i]);
        assertTrue(diff > 1e-6, "LPIPS adds no gradient to the decoder: " + diff);
    }
}
