package svg.nn.data;

import svg.tensor.Rng;

/**
 * An image-to-image augmentation. All randomness comes from the {@link Rng} argument, which the loader derives from
 * (seed, epoch, position) so an augmented batch is a pure function of the step, whatever the worker count.
 */
@FunctionalInterface
public interface Transform {
    Image apply(Image img, Rng rng);

    default Transform then(Transform next) { return (img, rng) -> next.apply(apply(img, rng), rng); }

    static Transform identity() { return (img, rng) -> img; }
}
