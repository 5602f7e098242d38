package svg.nn.train;

import svg.nn.data.Dataset;
import svg.nn.data.Example;
import svg.nn.data.Image;
import svg.tensor.Rng;

import java.util.List;

/** A tiny synthetic labelled image set: class k has a bright k-th row, plus noise. */
final class ToyData implements Dataset {
    private final int n, size;

    ToyData(int n, int size) {
        this.n = n;
        this.size = size;
    }

    @Override public int size() { return n; }

    @Override
    public Example get(int i) {
        Rng r = new Rng(1234).fork(i);
        int label = i % 4;
        Image img = Image.zeros(1, size, size);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) img.set(0, y, x, 0.2f * r.nextFloat() + (y == label ? 0.8f : 0f));
        return new Example(img, label);
    }

    @Override public List<String> classNames() { return List.of("a", "b", "c", "d"); }
}
