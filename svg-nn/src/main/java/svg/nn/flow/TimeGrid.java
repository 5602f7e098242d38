package svg.nn.flow;

/**
 * The sampling time grid of the official {@code prepare_t_seq}: {@code torch.linspace(0, 1, steps + 1)} in float32,
 * each value widened to double and mapped through the timestep shift {@code s t / (1 + (s - 1) t)} (identity for
 * s <= 0), stored as float32; {@code dt[i] = t[i+1] - t[i]} computed in float32. A shift below 1 spends more steps
 * near t = 0 (noise), e.g. 0.15 for 4 steps gives [0, 0.0476, 0.1304, 0.3103, 1].
 */
public record TimeGrid(float[] t, float[] dt) {

    public TimeGrid {
        if (t.length < 2 || dt.length != t.length - 1)
            throw new IllegalArgumentException("time grid needs steps+1 times and steps deltas, got " + t.length + " and " + dt.length);
    }

    public int steps() { return dt.length; }

    /** The official grid for {@code steps} steps and timestep shift {@code shift}. */
    public static TimeGrid of(int steps, double shift) {
        if (steps < 1) throw new IllegalArgumentException("need at least one sampling step, got " + steps);
        float[] base = linspace01(steps + 1);
        float[] t = new float[steps + 1];
        for (int i = 0; i <= steps; i++) t[i] = (float) shift(base[i], shift);
        float[] dt = new float[steps];
        for (int i = 0; i < steps; i++) dt[i] = t[i + 1] - t[i];
        return new TimeGrid(t, dt);
    }

    /** {@code compute_tm} in double precision: s t / (1 + (s - 1) t); t unchanged when s <= 0. */
    public static double shift(double t, double s) {
        if (s <= 0) return t;
        return s * t / (1 + (s - 1) * t);
    }

    /**
     * {@code compute_tm} applied to a float32 tensor, as torch evaluates it: the Python-float constants s and s - 1
     * are rounded to float32 and every operation rounds to float32 (this is the training-time shift).
     */
    public static float shiftFloat(float t, double s) {
        if (s <= 0) return t;
        float sf = (float) s, sm1 = (float) (s - 1);
        return (sf * t) / (1f + sm1 * t);
    }

    /**
     * float32 {@code torch.linspace(0, 1, n)} bit for bit as the official (torch CPU, AVX2 kernel) computes it:
     * step = 1/(n-1) in float32; element i is {@code start + step*i} below n/2 and {@code end - step*(n-1-i)} from
     * n/2 on, each a fused multiply-add (the compiler contracts them); the kernel's vector loop covers blocks of 16 as
     * two 8-lane vectors whose first lane is computed that way and whose lane j is {@code first + j*step} (product
     * rounded, then the sum); the tail after the last full block uses the scalar formula. Verified against torch 1.13
     * for n = 2..65, 101, 129, 251, 501, 1001 (plain arithmetic differs in the last bit for about half of them).
     */
    static float[] linspace01(int n) {
        if (n < 1) throw new IllegalArgumentException("linspace needs n >= 1, got " + n);
        float[] r = new float[n];
        if (n == 1) return r;
        float step = 1f / (n - 1);
        int half = n / 2, i = 0;
        for (; i + 16 <= n; i += 16)
            for (int v = 0; v < 2; v++) {
                int i0 = i + 8 * v;
                float base = linspaceScalar(i0, n, half, step);
                r[i0] = base;
                for (int j = 1; j < 8; j++) r[i0 + j] = base + j * step;
            }
        for (; i < n; i++) r[i] = linspaceScalar(i, n, half, step);
        return r;
    }

    private static float linspaceScalar(int i, int n, int half, float step) {
        return i < half ? Math.fma(step, (float) i, 0f) : Math.fma(-step, (float) (n - 1 - i), 1f);
    }
}
