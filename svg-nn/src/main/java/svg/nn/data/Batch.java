package svg.nn.data;

import svg.tensor.Tensor;

/**
 * One training batch: {@code views[k]} is [B, C, H, W] in [0, 1] (k = 0 for single-view loaders), {@code labels} and
 * the dataset {@code indices} the batch was drawn from, and the global {@code step} it belongs to.
 */
public record Batch(long step, Tensor[] views, int[] labels, int[] indices) {
    public Tensor images() { return views[0]; }

    public int size() { return labels.length; }
}
