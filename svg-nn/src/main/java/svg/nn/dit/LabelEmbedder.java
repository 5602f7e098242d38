package svg.nn.dit;

import svg.nn.layer.Embedding;
import svg.nn.module.Module;
import svg.tensor.Rng;
import svg.tensor.Tensor;

/**
 * Class label -> vector. The table has one extra row, the null class {@code num_classes}, used for classifier-free
 * guidance. Label dropout is the trainer's job: it passes the null class.
 */
public class LabelEmbedder extends Module {
    public final Embedding embedding_table;
    public final int numClasses;

    public LabelEmbedder(int numClasses, int tableSize, int hiddenSize, Rng rng) {
        this.numClasses = numClasses;
        embedding_table = child("embedding_table", new Embedding(tableSize, hiddenSize, rng));
    }

    public Tensor forward(int[] labels) { // [N] -> [N, hidden]
        for (int y : labels)
            if (y < 0 || y >= embedding_table.num)
                throw new IllegalArgumentException("class label " + y + " outside [0, " + embedding_table.num + ")"
                        + (embedding_table.num > numClasses ? " (null class = " + numClasses + ")" : ""));
        return embedding_table.forward(labels);
    }
}
