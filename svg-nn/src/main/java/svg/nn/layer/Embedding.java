package svg.nn.layer;

import svg.nn.module.Init;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/** torch.nn.Embedding: a [num, dim] table looked up by integer ids (default init N(0, 1)). */
public class Embedding extends Module {
    public final int num, dim;
    public final Tensor weight;

    public Embedding(int num, int dim, Rng rng) {
        this.num = num;
        this.dim = dim;
        weight = param("weight", num, dim);
        if (rng != null) Init.normal(weight, rng, 0, 1);
    }

    public Tensor forward(int[] ids) { // [n] -> [n, dim]
        return weight.embedding(ids);
    }
}
