package svg.nn.train.dit;

import svg.nn.data.Dataset;
import svg.nn.data.Example;
import svg.nn.data.Image;
import svg.tensor.Tensor;

import java.util.List;

/**
 * Pre-encoded latent tokens [N, T, C] with labels, served through the image {@link Dataset} interface so the
 * shared loader (deterministic order, prefetch, exact resume) can batch them: example i is a one-channel "image"
 * of height T and width C, so a batch arrives as [B, 1, T, C].
 */
public final class LatentDataset implements Dataset {
    private final float[] tokens;
    private final int[] labels;
    private final int n, t, c;
    private final List<String> classes;

    public LatentDataset(Tensor tokens, int[] labels, List<String> classes) {
        if (tokens.dim() != 3) throw new IllegalArgumentException("latents must be [N, T, C]");
        if (labels.length != tokens.size(0)) throw new IllegalArgumentException(labels.length + " labels for " + tokens.size(0) + " latents");
        this.tokens = tokens.toArray();
        this.labels = labels.clone();
        this.n = tokens.size(0);
        this.t = tokens.size(1);
        this.c = tokens.size(2);
        this.classes = List.copyOf(classes);
    }

    @Override public int size() { return n; }

    @Override
    public Example get(int i) {
        float[] d = new float[t * c];
        System.arraycopy(tokens, i * t * c, d, 0, t * c);
        return new Example(new Image(d, 1, t, c), labels[i]);
    }

    @Override public List<String> classNames() { return classes; }

    public int tokens() { return t; }

    public int channels() { return c; }
}
