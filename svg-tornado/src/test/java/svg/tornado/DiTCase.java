package svg.tornado;

import svg.nn.dit.DiT;
import svg.nn.dit.DiTConfig;
import svg.nn.module.Init;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** A DiT with N(0, std) weights in eval mode and one input of CFG pairs (t = 0.3; class 1, then the null class). */
record DiTCase(DiT model, Tensor x, Tensor time, int[] y) {

    static DiTCase of(DiTConfig cfg, int batch, double std) {
        DiT m = new DiT(cfg, new Rng(1));
        Rng r = new Rng(3);
        m.parameters().forEach(p -> Init.normal(p, r, 0, std));
        m.eval();
        int tokens = cfg.input_size() * cfg.input_size();
        Tensor x = Tensor.randn(new Rng(4), batch, tokens, cfg.in_channels());
        float[] tt = new float[batch];
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            tt[i] = 0.3f;
            y[i] = i % 2 == 0 ? 1 : cfg.num_classes(); // the CFG pair: a class and the null class
        }
        return new DiTCase(m, x, Tensor.of(tt, batch), y);
    }
}
