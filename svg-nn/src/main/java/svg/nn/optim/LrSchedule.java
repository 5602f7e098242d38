package svg.nn.optim;

/** Learning rate as a function of the optimiser step (0-based). */
@FunctionalInterface
public interface LrSchedule {
    double at(long step);

    /** Linear warm-up from 0 to {@code lr} over {@code warmup} steps, then constant. */
    static LrSchedule warmupConstant(double lr, long warmup) {
        return s -> warmup > 0 && s < warmup ? lr * (s + 1) / warmup : lr;
    }

    /**
     * Linear warm-up to {@code lr} over {@code warmup} steps, then half-cosine decay to {@code minLr} at
     * {@code total} steps (constant minLr afterwards).
     */
    static LrSchedule warmupCosine(double lr, long warmup, long total, double minLr) {
        if (total <= warmup) return warmupConstant(lr, warmup);
        return s -> {
            if (warmup > 0 && s < warmup) return lr * (s + 1) / warmup;
            double p = Math.min(1.0, (double) (s - warmup) / (total - warmup));
            return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p));
        };
    }

    /** "cosine" or "constant" by name (for CLI options). */
    static LrSchedule named(String kind, double lr, long warmup, long total, double minLr) {
        return switch (kind) {
            case "cosine" -> warmupCosine(lr, warmup, total, minLr);
            case "constant" -> warmupConstant(lr, warmup);
            default -> throw new IllegalArgumentException("unknown LR schedule '" + kind + "' (cosine | constant)");
        };
    }
}
