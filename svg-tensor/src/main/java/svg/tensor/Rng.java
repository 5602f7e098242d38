package svg.tensor;

/**
 * Seeded random generator (SplitMix64 stream + Box-Muller). Explicit, never global: the same seed gives the same
 * numbers on every machine and thread count. {@link #fork(long)} derives an independent stream, e.g. one per image
 * of a batch so that image i does not depend on the batch size.
 */
public final class Rng {
    private long state;
    private double spare;
    private boolean hasSpare;

    public Rng(long seed) { this.state = mix(seed ^ 0x9E3779B97F4A7C15L); }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() { return (nextLong() >>> 40) * 0x1.0p-24f; }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive");
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /** Standard normal sample. */
    public double nextGaussian() {
        if (hasSpare) { hasSpare = false; return spare; }
        double u1, u2;
        do { u1 = nextDouble(); } while (u1 <= 1e-300);
        u2 = nextDouble();
        double r = Math.sqrt(-2 * Math.log(u1));
        spare = r * Math.sin(2 * Math.PI * u2);
        hasSpare = true;
        return r * Math.cos(2 * Math.PI * u2);
    }

    /** An independent generator derived from this seed stream and a key (does not advance this one). */
    public Rng fork(long key) { return new Rng(mix(state ^ mix(key + 0x632BE59BD9B4E019L))); }

    /** The full generator state, for checkpoints. */
    public long[] state() { return new long[]{state, Double.doubleToRawLongBits(spare), hasSpare ? 1 : 0}; }

    public void setState(long[] s) { state = s[0]; spare = Double.longBitsToDouble(s[1]); hasSpare = s[2] != 0; }
}
