package svg.nn.decoder;

import svg.nn.layer.Conv2d;
import svg.nn.layer.Dropout;
import svg.nn.layer.GroupNorm;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * norm1 -> swish -> conv1 -> norm2 -> swish -> dropout -> conv2, plus the input (through a 1x1 nin_shortcut when
 * widths differ). The dropout is {@code ddconfig.dropout} (0.0 in SVG's configs), applied in training only.
 */
public class ResnetBlock extends Module {
    public final int inChannels, outChannels;
    public final GroupNorm norm1, norm2;
    public final Dropout dropout;
    public final Conv2d conv1, conv2, nin_shortcut;

    public ResnetBlock(int in, int out, Rng rng) { this(in, out, 0.0, rng); }

    public ResnetBlock(int in, int out, double dropout, Rng rng) {
        inChannels = in;
        outChannels = out;
        norm1 = child("norm1", Decoder.normalize(in));
        conv1 = child("conv1", new Conv2d(in, out, 3, 1, 1, true, rng));
        norm2 = child("norm2", Decoder.normalize(out));
        this.dropout = child("dropout", new Dropout(dropout));
        conv2 = child("conv2", new Conv2d(out, out, 3, 1, 1, true, rng));
        nin_shortcut = in != out ? child("nin_shortcut", new Conv2d(in, out, 1, 1, 0, true, rng)) : null;
    }

    public Tensor forward(Tensor x) { return forward(x, null); }

    /** [N, in, H, W] -> [N, out, H, W]; dropout masks from {@code rng} in training mode (none when null). */
    public Tensor forward(Tensor x, Rng rng) {
        Tensor h = conv1.forward(Decoder.swish(norm1.forward(x)));
        h = conv2.forward(dropout.forward(Decoder.swish(norm2.forward(h)), rng));
        Tensor skip = nin_shortcut != null ? nin_shortcut.forward(x) : x;
        return skip.add(h);
    }
}
