package svg.nn.decoder;

import svg.nn.layer.Conv2d;
import svg.nn.layer.GroupNorm;
import svg.nn.layer.ModuleList;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * The LDM convolutional decoder (official {@code ldm/modules/diffusionmodules/model.py::Decoder}) that SVG uses to
 * map latents to pixels:
 * <pre>
 *   z [N, z_channels, h, w] -> conv_in -> mid (block_1, attn_1, block_2)
 *   for level = L-1 .. 0: (num_res_blocks + 1) x [ResnetBlock (+ AttnBlock if this resolution is in attn_resolutions)],
 *                         then Upsample x2 unless level 0
 *   -> norm_out -> swish -> conv_out                            image [N, out_ch, h * 2^(L-1), w * 2^(L-1)]
 * </pre>
 * {@code up[i]} is the level at resolution {@code latent * 2^i}, as in the official state dict. Each ResnetBlock
 * applies {@code ddconfig.dropout} before its second conv, in training only.
 */
public class Decoder extends Module {
    /** The {@link Tensor#block} tag of one up-path ResNet block (+ attention). */
    public static final String BLOCK_TAG = "decoder.block";

    public final DecoderConfig config;
    public final Conv2d conv_in, conv_out;
    public final Mid mid;
    public final ModuleList<Level> up;
    public final GroupNorm norm_out;

    /** The middle stage: ResnetBlock, AttnBlock, ResnetBlock. */
    public static final class Mid extends Module {
        public final ResnetBlock block_1, block_2;
        public final AttnBlock attn_1;

        Mid(int c, double dropout, Rng rng) {
            block_1 = child("block_1", new ResnetBlock(c, c, dropout, rng));
            attn_1 = child("attn_1", new AttnBlock(c, rng));
            block_2 = child("block_2", new ResnetBlock(c, c, dropout, rng));
        }
    }

    /** One resolution level of the upsampling path. */
    public static final class Level extends Module {
        public final ModuleList<ResnetBlock> block;
        public final ModuleList<AttnBlock> attn;
        public Upsample upsample; // null at level 0

        Level() {
            block = child("block", new ModuleList<>());
            attn = child("attn", new ModuleList<>());
        }

        void setUpsample(Upsample u) { upsample = child("upsample", u); }
    }

    public Decoder(DecoderConfig cfg, Rng rng) {
        this.config = cfg;
        int[] mult = cfg.ch_mult();
        int levels = mult.length;
        int blockIn = cfg.ch() * mult[levels - 1];
        int currRes = cfg.latentResolution();
        conv_in = child("conv_in", new Conv2d(cfg.z_channels(), blockIn, 3, 1, 1, true, rng));
        mid = child("mid", new Mid(blockIn, cfg.dropout(), rng));
        // built from the lowest resolution up, stored by level index (the official code inserts at 0)
        Level[] built = new Level[levels];
        for (int i = levels - 1; i >= 0; i--) {
            Level lvl = new Level();
            int blockOut = cfg.ch() * mult[i];
            for (int b = 0; b < cfg.num_res_blocks() + 1; b++) {
                lvl.block.add(new ResnetBlock(blockIn, blockOut, cfg.dropout(), rng));
                blockIn = blockOut;
                if (contains(cfg.attn_resolutions(), currRes)) lvl.attn.add(new AttnBlock(blockIn, rng));
            }
            if (i != 0) {
                lvl.setUpsample(new Upsample(blockIn, rng));
                currRes *= 2;
            }
            built[i] = lvl;
        }
        up = child("up", new ModuleList<>(Arrays.asList(built)));
        norm_out = child("norm_out", normalize(blockIn));
        conv_out = child("conv_out", new Conv2d(blockIn, cfg.out_ch(), 3, 1, 1, true, rng));
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }

    /** GroupNorm(32 groups, eps 1e-6, affine), the official {@code Normalize}. */
    static GroupNorm normalize(int c) { return new GroupNorm(32, c, 1e-6f); }

    /** x * sigmoid(x). */
    static Tensor swish(Tensor x) { return x.silu(); }

    public Tensor forward(Tensor z) { return forward(z, null); }

    /**
     * [N, z_channels, h, w] -> [N, out_ch, h*f, w*f]. In training mode with a non-null {@code rng} and
     * {@code ddconfig.dropout > 0}, the ResNet blocks drop with masks from {@code rng}; otherwise (inference) nothing
     * is dropped.
     */
    public Tensor forward(Tensor z, Rng rng) {
        if (z.dim() != 4 || z.size(1) != config.z_channels())
            throw new IllegalArgumentException("Decoder expects [N, " + config.z_channels() + ", h, w], got " + Arrays.toString(z.shape()));
        Rng r = isTraining() && config.dropout() > 0 ? rng : null;
        Tensor h = conv_in.forward(z);
        h = mid.block_2.forward(mid.attn_1.forward(mid.block_1.forward(h, r)), r);
        for (int i = config.numResolutions() - 1; i >= 0; i--) {
            Level lvl = up.get(i);
            for (int b = 0; b < lvl.block.size(); b++) {
                Tensor in = h;
                int bi = b;
                java.util.function.Supplier<Tensor> unit = () -> {
                    Tensor o = lvl.block.get(bi).forward(in, r);
                    return lvl.attn.size() > 0 ? lvl.attn.get(bi).forward(o) : o;
                };
                // a ResNet block (+ attention) is one unit for a device backend (Tensor.block), which may replay its
                // recorded ops: not with fresh dropout masks, which run op by op
                h = r == null ? Tensor.block(BLOCK_TAG, unit) : unit.get();
            }
            if (lvl.upsample != null) h = lvl.upsample.forward(h);
        }
        return conv_out.forward(swish(norm_out.forward(h)));
    }
}
