package svg.nn.lpips;

import svg.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The convolutional part of torchvision's VGG16 (configuration D) up to relu5_3, frozen: 13 conv3x3 (padding 1) +
 * ReLU layers in five stages of 2, 2, 3, 3, 3, separated by 2x2 max-pooling with stride 2. Parameter names are
 * torchvision's {@code features.<index>.weight/bias} (conv indices 0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28).
 * {@link #taps} returns the activations LPIPS compares: relu1_2, relu2_2, relu3_3, relu4_3, relu5_3.
 */
public final class Vgg16Features {
    /** torchvision indices of the conv layers inside {@code features}. */
    static final int[] CONV_INDEX = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
    static final int[] OUT_CHANNELS = {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
    /** Number of convs per stage; each stage ends with a tap, and a max-pool separates stages. */
    static final int[] STAGE_CONVS = {2, 2, 3, 3, 3};
    /** Channels of the five taps. */
    public static final int[] TAP_CHANNELS = {64, 128, 256, 512, 512};

    private final Tensor[] weight = new Tensor[13], bias = new Tensor[13];

    /**
     * From a state dict with torchvision's {@code features.N.weight/bias} keys (other keys, e.g. the classifier,
     * are ignored). The tensors are detached: VGG stays frozen, gradients only flow through it to its input.
     */
    public Vgg16Features(Map<String, Tensor> stateDict) {
        int in = 3;
        for (int i = 0; i < 13; i++) {
            String w = "features." + CONV_INDEX[i] + ".weight", b = "features." + CONV_INDEX[i] + ".bias";
            weight[i] = require(stateDict, w, OUT_CHANNELS[i], in, 3, 3);
            bias[i] = require(stateDict, b, OUT_CHANNELS[i]);
            in = OUT_CHANNELS[i];
        }
    }

    private static Tensor require(Map<String, Tensor> sd, String key, int... shape) {
        Tensor t = sd.get(key);
        if (t == null) throw new IllegalArgumentException("VGG16 weights lack '" + key + "' (expected torchvision vgg16 'features.*' keys)");
        if (!Arrays.equals(t.shape(), shape))
            throw new IllegalArgumentException("VGG16 weight '" + key + "' has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        return t.detach();
    }

    /** relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 of {@code x} [N, 3, H, W] (H, W >= 16). */
    public List<Tensor> taps(Tensor x) {
        if (x.dim() != 4 || x.size(1) != 3) throw new IllegalArgumentException("VGG16 input must be [N, 3, H, W], got " + Arrays.toString(x.shape()));
        if (x.size(2) < 16 || x.size(3) < 16)
            throw new IllegalArgumentException("VGG16 needs images of at least 16x16 (four 2x2 poolings), got " + x.size(2) + "x" + x.size(3));
        List<Tensor> out = new ArrayList<>(5);
        Tensor h = x;
        int layer = 0;
        for (int stage = 0; stage < 5; stage++) {
            if (stage > 0) h = maxPool2x2(h);
            for (int j = 0; j < STAGE_CONVS[stage]; j++, layer++)
                h = h.conv2d(weight[layer], bias[layer], 1, 1).relu();
            out.add(h);
        }
        return out;
    }

    /**
     * MaxPool2d(2, 2) of [N, C, H, W]: odd sizes lose their last row/column (floor, as PyTorch). Built from
     * differentiable Tensor ops: view as [N, C, H/2, 2, W/2, 2] and take the maximum over the two window axes;
     * the gradient goes to the (first) maximum of each window, as in PyTorch.
     */
    static Tensor maxPool2x2(Tensor x) {
        int n = x.size(0), c = x.size(1), h2 = x.size(2) / 2, w2 = x.size(3) / 2;
        if (x.size(2) != 2 * h2) x = x.narrow(2, 0, 2 * h2);
        if (x.size(3) != 2 * w2) x = x.narrow(3, 0, 2 * w2);
        return x.reshape(n, c, h2, 2, w2, 2).max(5, false).max(3, false);
    }
}
