package svg.nn.data;

import svg.tensor.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns one example image into the views a trainer consumes: one view for ordinary training, several for multi-crop
 * self-supervised training. View k of every image in a batch must have the same size (it becomes batch tensor k).
 */
@FunctionalInterface
public interface Views {
    Image[] apply(Image img, Rng rng);

    /** A single view made by {@code t}. */
    static Views single(Transform t) { return (img, rng) -> new Image[]{t.apply(img, rng)}; }

    /**
     * DINO multi-crop: {@code globals} views from {@code global} and {@code locals} views from {@code local}, in that
     * order (global views first, as the teacher only sees those).
     */
    static Views multiCrop(Transform global, int globals, Transform local, int locals) {
        return (img, rng) -> {
            List<Image> out = new ArrayList<>(globals + locals);
            for (int i = 0; i < globals; i++) out.add(global.apply(img, rng));
            for (int i = 0; i < locals; i++) out.add(local.apply(img, rng));
            return out.toArray(Image[]::new);
        };
    }
}
