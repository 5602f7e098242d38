package svg.tensor.reference;

import svg.tensor.backend.Backend;
import svg.tensor.backend.BackendProvider;

/**
 * Registers the "reference" backend ({@link ReferenceBackend}) like any other provider (svg-tensor's
 * {@code META-INF/services}). Rank 0: used when named (tests, {@code --device reference}), or when nothing else can run.
 */
public final class ReferenceProvider implements BackendProvider {
    @Override
    public String name() { return "reference"; }

    @Override
    public int rank() { return 0; }

    @Override
    public String description() { return "built in: scalar loops, the executable specification"; }

    @Override
    public String probe() { return null; }

    @Override
    public Backend create(String option) {
        if (option != null)
            throw new IllegalArgumentException("the reference backend takes no option, got 'reference:" + option + "'");
        return new ReferenceBackend();
    }
}
