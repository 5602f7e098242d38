package svg.nn.dit;

import svg.nn.layer.Linear;
import svg.nn.layer.ModuleList;
import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.Arrays;

/**
 * SVG's diffusion transformer (official {@code models/models_SVG.py::DiT}) on latent tokens:
 * <pre>
 *   x [B, T, C] -> ln1 (a Linear, C -> D) + pos_embed          tokens
 *   c = t_embedder(t) + y_embedder(y)                           condition [B, D]
 *   x = blocks(x, c)                                            depth x adaLN-Zero DiT blocks
 *   out = final_layer(x, c)                                     [B, T, 2C] with learn_sigma
 * </pre>
 * State-dict keys equal the official ones. Differentiable end to end; t carries no gradient.
 */
public class DiT extends Module {
    /**
     * The {@link Tensor#block} name of every DiT block: a device backend builds one plan per block and counts its
     * traffic under this name (svg-tornado's tests and benchmarks read it).
     */
    public static final String BLOCK_TAG = "dit.block";

    public final DiTConfig config;
    public final TimestepEmbedder t_embedder;
    public final LabelEmbedder y_embedder;
    public final Tensor pos_embed;
    public final ModuleList<DiTBlock> blocks;
    public final Linear ln1;
    public final FinalLayer final_layer;

    /** @param rng weights as the official {@code initialize_weights}; null gives zeros (to load a checkpoint) */
    public DiT(DiTConfig cfg, Rng rng) {
        this.config = cfg;
        int h = cfg.hidden_size();
        // the official pos_embed is a Parameter with requires_grad=False: a buffer here, same key
        pos_embed = buffer("pos_embed", SinCosPosEmbed.table(h, cfg.input_size()));
        t_embedder = child("t_embedder", new TimestepEmbedder(h, null));
        y_embedder = child("y_embedder", new LabelEmbedder(cfg.num_classes(), cfg.labelTableSize(), h, null));
        blocks = child("blocks", new ModuleList<>());
        for (int i = 0; i < cfg.depth(); i++) blocks.add(new DiTBlock(cfg, null));
        ln1 = child("ln1", new Linear(cfg.in_channels(), h, true, null));
        final_layer = child("final_layer", new FinalLayer(h, cfg.patch_size(), cfg.outChannels(), null));
        if (rng != null) initializeWeights(rng);
    }

    /** The official initialize_weights: xavier Linear, N(0, 0.02) embeddings, zeroed adaLN and output layers. */
    public void initializeWeights(Rng rng) {
        for (Module m : modules())
            if (m instanceof Linear l) {
                Init.xavierUniform(l.weight, rng);
                if (l.bias != null) Init.zeros(l.bias);
            }
        Init.normal(y_embedder.embedding_table.weight, rng, 0, 0.02);
        Init.normal(t_embedder.mlp.<Linear>get(0).weight, rng, 0, 0.02);
        Init.normal(t_embedder.mlp.<Linear>get(2).weight, rng, 0, 0.02);
        for (DiTBlock b : blocks) {
            Init.zeros(b.adaLN_modulation.<Linear>get(1).weight);
            Init.zeros(b.adaLN_modulation.<Linear>get(1).bias);
        }
        Init.zeros(final_layer.adaLN_modulation.<Linear>get(1).weight);
        Init.zeros(final_layer.adaLN_modulation.<Linear>get(1).bias);
        Init.zeros(final_layer.linear.weight);
        Init.zeros(final_layer.linear.bias);
    }

    /** ln1 projection plus the fixed positional table: [B, T, C] -> [B, T, D]. */
    public Tensor embedTokens(Tensor x) {
        if (x.dim() != 3 || x.size(2) != config.in_channels())
            throw new IllegalArgumentException("DiT input must be [B, T, " + config.in_channels() + "], got " + Arrays.toString(x.shape()));
        if (x.size(1) != config.numTokens())
            throw new IllegalArgumentException("DiT built for " + config.numTokens() + " tokens (" + config.input_size() + "x"
                    + config.input_size() + " grid), got " + x.size(1) + "; build it with DiTConfig.withInputSize");
        return ln1.forward(x).add(pos_embed);
    }

    /** c = t_embedder(t) + y_embedder(y): [B, D]. */
    public Tensor condition(Tensor t, int[] y) {
        return t_embedder.forward(t).add(y_embedder.forward(y));
    }

    /** x [B, T, in_channels], t [B] in [0, 1], y [B] labels (num_classes = null) -> [B, T, outChannels]. */
    public Tensor forward(Tensor x, Tensor t, int[] y) {
        int b = x.size(0);
        if (t.dim() != 1 || t.size(0) != b || y.length != b)
            throw new IllegalArgumentException("batch " + b + " needs t [" + b + "] and " + b + " labels, got t "
                    + Arrays.toString(t.shape()) + " and " + y.length + " labels");
        Tensor h = embedTokens(x);        // [B, T, D]
        Tensor c = condition(t, y);       // [B, D]
        for (DiTBlock block : blocks) {
            Tensor in = h; // a block is one unit for a device backend (Tensor.block); the CPU just runs it
            h = Tensor.block(BLOCK_TAG, () -> block.forward(in, c));
        }
        return final_layer.forward(h, c); // [B, T, outC]
    }

    /**
     * The velocity the sampler and loss use: the first {@code in_channels} output channels (with learn_sigma the
     * official code keeps {@code chunk(2, dim=2)[0]}). {@code dit::velocity} is a {@code svg.nn.flow.VelocityModel}.
     */
    public Tensor velocity(Tensor x, Tensor t, int[] y) {
        Tensor out = forward(x, t, y);
        return config.learn_sigma() ? out.narrow(2, 0, config.in_channels()) : out;
    }
}
