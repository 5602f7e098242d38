package svg.bench;

import svg.nn.decoder.Decoder;
import svg.nn.decoder.DecoderConfig;
import svg.nn.dinov3.DinoV3Config;
import svg.nn.dinov3.DinoVisionTransformer;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.encoder.ResidualViT;
import svg.nn.encoder.ResidualViTConfig;
import svg.nn.layer.SwiGLUFFN;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.function.Supplier;

/**
 * The four full-size SVG networks with random weights and a fixed input, as the benchmarks time them:
 * {@code dino} (DINOv3 ViT-S/16+ forward_features), {@code dit} (SVG-XL DiT: 256 tokens x 392 channels),
 * {@code decoder} (LDM decoder 392x16x16 -> 3x256x256) and {@code resvit} (the residual ViT), each at a given batch.
 * FLOPs are counted analytically (2 per multiply-add of every matmul, convolution and attention product; norms,
 * activations and softmax are not counted), the convention of the figures in issue 3.
 */
public final class Networks {
    private Networks() {}

    /** A built network: its module, one forward on the fixed input, and the FLOPs of that forward. */
    public record Bench(String name, String title, Module module, Supplier<Tensor> forward, double flops) {}

    public static final String[] NAMES = {"dino", "dit", "decoder", "resvit"};

    /** Batch sizes of the vs-PyTorch comparison (issue 3): 8 images, one CFG pair, 1 latent, 8 images. */
    public static int defaultBatch(String name) {
        return switch (name) {
            case "dino", "resvit" -> 8;
            case "dit" -> 2;
            case "decoder" -> 1;
            default -> throw unknown(name);
        };
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown network '" + name + "' (dino, dit, decoder, resvit)");
    }

    public static Bench build(String name, int batch, long seed) {
        Rng rng = new Rng(seed);
        switch (name) {
            case "dino" -> {
                DinoV3Config c = DinoV3Config.VITS16PLUS;
                var m = new DinoVisionTransformer(c, rng);
                Tensor x = Tensor.randn(rng, batch, 3, 256, 256);
                return new Bench(name, "DINOv3 ViT-S/16+ b" + batch + " 256px", m,
                        () -> m.forwardFeatures(x).x_norm_patchtokens(), batch * dinoFlops(c, 256));
            }
            case "dit" -> {
                DiTConfig c = DiTConfig.XL;
                var m = new DiT(c, rng);
                Tensor x = Tensor.randn(rng, batch, c.numTokens(), c.in_channels());
                float[] tv = new float[batch];
                java.util.Arrays.fill(tv, 0.3f);
                Tensor t = Tensor.of(tv, batch);
                int[] y = new int[batch];
                for (int i = 0; i < batch; i++) y[i] = i % 2 == 0 ? 207 : c.nullClass(); // conditional, null: a CFG pair
                return new Bench(name, "SVG-XL DiT b" + batch + " 256 tok", m, () -> m.forward(x, t, y), batch * ditFlops(c));
            }
            case "decoder" -> {
                DecoderConfig c = DecoderConfig.SVG;
                var m = new Decoder(c, rng);
                Tensor z = Tensor.randn(rng, batch, c.z_channels(), 16, 16);
                return new Bench(name, "LDM decoder b" + batch + " 16->256", m, () -> m.forward(z), batch * decoderFlops(c, 16));
            }
            case "resvit" -> {
                ResidualViTConfig c = ResidualViTConfig.SVG;
                var m = new ResidualViT(c, rng);
                Tensor x = Tensor.randn(rng, batch, 3, c.image_size(), c.image_size());
                return new Bench(name, "residual ViT b" + batch + " 256px", m, () -> m.forward(x), batch * resVitFlops(c));
            }
            default -> throw unknown(name);
        }
    }

    /** forward_features of one image of side {@code size}. */
    public static double dinoFlops(DinoV3Config c, int size) {
        long d = c.embed_dim(), p = c.patch_size(), hw = (long) (size / p) * (size / p), n = 1 + c.n_storage_tokens() + hw;
        long ffn = c.ffn_layer().equals("swiglu")
                ? 3L * d * SwiGLUFFN.swigluHidden((int) (d * c.ffn_ratio()), 8)
                : 2L * d * (long) (d * c.ffn_ratio());
        double perBlock = (double) n * (4 * d * d + ffn) + 2.0 * n * n * d;
        return 2 * (hw * 3 * p * p * d + c.depth() * perBlock);
    }

    /** One sample: tokens through ln1, the blocks and the final layer; adaLN and the t/y embedders once per sample. */
    public static double ditFlops(DiTConfig c) {
        double t = c.numTokens(), d = c.hidden_size(), hidden = c.mlpHidden();
        double perBlock = t * (4 * d * d + 2 * d * hidden) + 2 * t * t * d + d * 6 * d;
        double embed = t * c.in_channels() * d + 256 * d + d * d;
        double fin = d * 2 * d + t * d * c.outChannels();
        return 2 * (embed + c.depth() * perBlock + fin);
    }

    /** One latent of side {@code latent}, walking the decoder's levels as {@link Decoder} builds them. */
    public static double decoderFlops(DecoderConfig c, int latent) {
        int[] mult = c.ch_mult();
        int levels = mult.length;
        long blockIn = (long) c.ch() * mult[levels - 1];
        long res = latent;
        double macs = conv(c.z_channels(), blockIn, 3, res);
        macs += 2 * resBlock(blockIn, blockIn, res) + attn(blockIn, res);
        for (int i = levels - 1; i >= 0; i--) {
            long out = (long) c.ch() * mult[i];
            for (int b = 0; b < c.num_res_blocks() + 1; b++) {
                macs += resBlock(blockIn, out, res);
                blockIn = out;
                for (int a : c.attn_resolutions()) if (a == res) macs += attn(blockIn, res);
            }
            if (i != 0) {
                res *= 2;
                macs += conv(blockIn, blockIn, 3, res);
            }
        }
        macs += conv(blockIn, c.out_ch(), 3, res);
        return 2 * macs;
    }

    private static double conv(long in, long out, int k, long res) { return (double) in * out * k * k * res * res; }

    private static double resBlock(long in, long out, long res) {
        return conv(in, out, 3, res) + conv(out, out, 3, res) + (in != out ? conv(in, out, 1, res) : 0);
    }

    private static double attn(long c, long res) {
        double hw = res * res;
        return 4 * conv(c, c, 1, res) + 2 * hw * hw * c;
    }

    /** One image: conv_proj, the encoder layers over 1 + N tokens, the head on the N patch tokens. */
    public static double resVitFlops(ResidualViTConfig c) {
        double n = c.numPatches(), t = n + 1, h = c.hidden_dim(), p = c.patch_size();
        double perLayer = t * (4 * h * h + 2 * h * c.mlp_dim()) + 2 * t * t * h;
        return 2 * (n * 3 * p * p * h + c.num_layers() * perLayer + n * (h * h + h * c.output_dim()));
    }

    /** Peak resident set size of this process (VmHWM) in kB, or -1 where /proc is missing. */
    public static long peakRssKb() { return procStatus("VmHWM:"); }

    /** Current resident set size (VmRSS) in kB, or -1. */
    public static long rssKb() { return procStatus("VmRSS:"); }

    private static long procStatus(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")))
                if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
