package svg.nn.data;

/** A labelled image from a {@link Dataset}. */
public record Example(Image image, int label) {}
