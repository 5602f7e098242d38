package svg.nn.pipeline;

/**
 * Progress of a long operation: {@code phase} names the stage ("sample", "decode", "encode"), {@code done} of
 * {@code total} units are finished. Generation reports one unit per sampler step of each batch, then one per decoded
 * batch, so a progress bar can show the whole run.
 */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(String phase, int done, int total);

    ProgressListener NONE = (p, d, t) -> {};
}
