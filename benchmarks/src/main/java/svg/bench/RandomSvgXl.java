package svg.bench;

import svg.nn.autoencoder.SvgAutoencoder;
import svg.nn.autoencoder.SvgAutoencoderConfig;
import svg.nn.dit.DiT;
import svg.nn.dit.DiTBlock;
import svg.nn.dit.DiTConfig;
import svg.nn.flow.SamplerOptions;
import svg.nn.layer.Linear;
import svg.nn.module.Init;
import svg.nn.pipeline.SvgModel;
import svg.tensor.Rng;
import svg.tensor.autograd.GradMode;
import svg.tensor.io.DType;

import java.nio.file.Path;
import java.util.List;

/**
 * Writes a full-size SVG-XL model directory with random weights: DiT-XL (1152 wide, 28 blocks, 16 heads, 392
 * channels, 256 tokens, 1000 classes + null) and the official autoencoder configuration (DINOv3 ViT-S/16+, residual
 * ViT, LDM decoder), official sampling defaults (25 Euler steps, cfg 4, shift 0.15). It stands in for the real
 * release files so that {@code ./svg sample --model DIR} can be timed on the real sizes.
 *
 * <p>The official DiT init zeroes every adaLN and output projection (the network then predicts zero velocity); here
 * those get N(0, 0.02) instead so that the sampler moves the latent and every layer does real work on non-zero data.
 *
 * <p>Usage: {@code RandomSvgXl DIR [--dtype f32|bf16] [--seed S]}.
 */
public final class RandomSvgXl {
    private RandomSvgXl() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("usage: RandomSvgXl DIR [--dtype f32|bf16] [--seed S]");
        Path dir = Path.of(args[0]);
        DType dtype = DType.F32;
        long seed = 0;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--dtype" -> dtype = switch (args[++i]) {
                    case "f32" -> DType.F32;
                    case "bf16" -> DType.BF16;
                    default -> throw new IllegalArgumentException("--dtype f32 or bf16, got " + args[i]);
                };
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long t0 = System.nanoTime();
        SvgModel m = build(seed);
        m.save(dir, dtype);
        System.err.printf("wrote %s (%s weights): DiT %,d params, autoencoder %,d params, %.1f s%n", dir, dtype,
                m.dit().numParameters(), m.autoencoder().numParameters(), (System.nanoTime() - t0) / 1e9);
    }

    /** The random SVG-XL (DiT-XL and the official autoencoder config), in memory. */
    static SvgModel build(long seed) {
        Rng rng = new Rng(seed);
        DiT dit = new DiT(DiTConfig.XL, rng);
        nonZeroOutputs(dit, rng);
        SvgAutoencoder ae = new SvgAutoencoder(SvgAutoencoderConfig.SVG, rng);
        return new SvgModel(dit, ae, null, List.of(), 256, SamplerOptions.defaults());
    }

    /** N(0, 0.02) for the adaLN and output projections the official init zeroes (see the class comment). */
    static void nonZeroOutputs(DiT dit, Rng rng) {
        try (var g = GradMode.noGrad()) {
            for (DiTBlock b : dit.blocks) Init.normal(b.adaLN_modulation.<Linear>get(1).weight, rng, 0, 0.02);
            Init.normal(dit.final_layer.adaLN_modulation.<Linear>get(1).weight, rng, 0, 0.02);
            Init.normal(dit.final_layer.linear.weight, rng, 0, 0.02);
        }
    }
}
