package svg.nn.layer;

import svg.tensor.Rng;
import svg.tensor.Tensor;

import java.util.List;

/** torch.nn.Sequential: children named 0, 1, 2, ... applied in order. */
public class Sequential extends Layer {
    private final List<Layer> layers;

    public Sequential(Layer... layers) {
        this.layers = List.of(layers);
        for (int i = 0; i < layers.length; i++) child(Integer.toString(i), layers[i]);
    }

    @SuppressWarnings("unchecked")
    public <L extends Layer> L get(int i) { return (L) layers.get(i); }

    public int size() { return layers.size(); }

    @Override
    public Tensor forward(Tensor x) {
        for (Layer l : layers) x = l.forward(x);
        return x;
    }

    /** As {@link #forward(Tensor)}, with {@code rng} handed to the {@link Dropout} layers (masks in training mode). */
    public Tensor forward(Tensor x, Rng rng) {
        for (Layer l : layers) x = l instanceof Dropout d ? d.forward(x, rng) : l.forward(x);
        return x;
    }
}
