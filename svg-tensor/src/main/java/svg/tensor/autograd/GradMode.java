package svg.tensor.autograd;

/**
 * Whether ops record the autograd graph on this thread. {@code try (var g = GradMode.noGrad()) {...}} turns recording
 * off for a scope (inference, optimiser updates).
 */
public final class GradMode {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private GradMode() {}

    public static boolean isEnabled() { return ENABLED.get(); }

    /** A scope with gradient recording off; restores the previous mode on close. */
    public static Scope noGrad() { return set(false); }

    /** A scope with gradient recording on. */
    public static Scope enableGrad() { return set(true); }

    private static Scope set(boolean on) {
        boolean prev = ENABLED.get();
        ENABLED.set(on);
        return () -> ENABLED.set(prev);
    }

    /** AutoCloseable without a checked exception. */
    public interface Scope extends AutoCloseable { @Override void close(); }
}
