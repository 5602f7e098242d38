package svg.tensor.io;

import java.io.IOException;

/**
 * A pickle asked for a Python global outside the small allow-list needed to rebuild tensors. Nothing was executed:
 * the unpickler never runs code, it refuses as soon as the global is named.
 */
public final class UnsafePickleException extends IOException {
    private final String global;

    public UnsafePickleException(String global, String where) {
        super("refused global " + global + (where == null ? "" : " in " + where)
                + " (only collections.OrderedDict, torch tensor/parameter rebuild functions, torch storage types and dtypes are allowed)");
        this.global = global;
    }

    /** The refused global as "module.name", e.g. "posix.system". */
    public String global() { return global; }
}
