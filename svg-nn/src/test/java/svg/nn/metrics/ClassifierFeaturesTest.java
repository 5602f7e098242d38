package svg.nn.metrics;

import org.junit.jupiter.api.Test;
import svg.nn.train.eval.PixelClassifier;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

/** PixelClassifier.features is the layer the logits are computed from (FD-FMNIST's feature space). */
class ClassifierFeaturesTest {
    @Test
    void featuresAreThePenultimateLayer() {
        PixelClassifier c = new PixelClassifier(10, new Rng(3));
        Tensor x = Tensor.rand(new Rng(4), 0f, 1f, 300, 3, 32, 32); // > 256: two chunks
        Tensor f = c.features(x);
        assertArrayEquals(new int[]{300, PixelClassifier.FEATURE_DIM}, f.shape());
        assertFalse(f.requiresGrad());
        // logits = fc2(features)
        Tensor logits = f.linear(c.parameters().get("fc2.weight").detach(), c.parameters().get("fc2.bias").detach());
        assertArrayEquals(c.logits(x).detach().toArray(), logits.toArray(), 1e-5f);
        // 32x32 RGB (Fashion-MNIST padded by 2, grey replicated) and the 28x28 grey original give the same features
        Tensor grey = Tensor.rand(new Rng(5), 0f, 1f, 2, 1, 28, 28);
        float[] g = grey.toArray(), rgb = new float[2 * 3 * 32 * 32];
        for (int b = 0; b < 2; b++)
            for (int ch = 0; ch < 3; ch++)
                for (int y = 0; y < 28; y++)
                    for (int xx = 0; xx < 28; xx++) rgb[((b * 3 + ch) * 32 + y + 2) * 32 + xx + 2] = g[(b * 28 + y) * 28 + xx];
        assertArrayEquals(c.features(grey).toArray(), c.features(Tensor.of(rgb, 2, 3, 32, 32)).toArray(), 1e-6f);
    }
}
