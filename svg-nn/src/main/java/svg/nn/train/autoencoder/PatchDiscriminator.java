package svg.nn.train.autoencoder;

import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small PatchGAN discriminator (taming-transformers NLayerDiscriminator without batch norm, which would couple
 * images of a batch): conv 4x4 s2 -> LeakyReLU(0.2) -> conv 4x4 s2 -> LeakyReLU -> conv 4x4 s1 -> one logit per
 * patch. Input: images in [-1, 1], [B, 3, H, W]; output [B, 1, H/4 - 1, W/4 - 1].
 */
public final class PatchDiscriminator {
    private final Map<String, Tensor> params = new LinkedHashMap<>();

    public PatchDiscriminator(int ndf, Rng rng) {
        conv("main.0", 3, ndf, rng);
        conv("main.2", ndf, 2 * ndf, rng);
        conv("main.4", 2 * ndf, 1, rng);
    }

    /** N(0, 0.02) weights as taming's weights_init, zero biases. */
    private void conv(String name, int in, int out, Rng rng) {
        params.put(name + ".weight", Tensor.randn(rng, out, in, 4, 4).mul(0.02f).requiresGrad(true));
        params.put(name + ".bias", Tensor.zeros(out).requiresGrad(true));
    }

    public Map<String, Tensor> parameters() { return params; }

    private static Tensor leaky(Tensor x) { return x.maximum(x.mul(0.2f)); }

    public Tensor forward(Tensor x) {
        Tensor h = leaky(x.conv2d(params.get("main.0.weight"), params.get("main.0.bias"), 2, 1));
        h = leaky(h.conv2d(params.get("main.2.weight"), params.get("main.2.bias"), 2, 1));
        return h.conv2d(params.get("main.4.weight"), params.get("main.4.bias"), 1, 1);
    }
}
