package svg.nn.flow;

/**
 * Sampling settings. {@code cfg} is the guidance scale (1 = no guidance), {@code mode} the official cfg schedule,
 * {@code intervalLo..intervalHi} a guidance interval in t (LightningDiT/REPA style: guidance only when
 * lo <= t <= hi, plain conditional velocity elsewhere; [0, 1] = always), {@code sdeNoise} the noise level eta of the
 * SDE sampler (ignored by Euler and Heun), {@code recordTrajectory} keeps z at every grid time.
 * The official SVG-XL sampling script uses 25 Euler steps, cfg 4, shift 0.15, constant mode.
 */
public record SamplerOptions(int steps, double cfg, double shift, SamplerKind sampler, GuidanceMode mode,
                             double intervalLo, double intervalHi, double sdeNoise, boolean recordTrajectory) {

    public SamplerOptions {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (!Double.isFinite(cfg)) throw new IllegalArgumentException("cfg must be finite, got " + cfg);
        if (!Double.isFinite(shift)) throw new IllegalArgumentException("shift must be finite, got " + shift);
        if (sampler == null) throw new IllegalArgumentException("sampler is null");
        if (mode == null) throw new IllegalArgumentException("cfg mode is null");
        if (!(intervalLo <= intervalHi))
            throw new IllegalArgumentException("guidance interval [" + intervalLo + ", " + intervalHi + "] is empty");
        if (!(sdeNoise >= 0)) throw new IllegalArgumentException("sde noise must be >= 0, got " + sdeNoise);
    }

    /** The official SVG sampling defaults: 25 Euler steps, cfg 4, shift 0.15, constant guidance. */
    public static SamplerOptions defaults() {
        return new SamplerOptions(25, 4.0, 0.15, SamplerKind.EULER, GuidanceMode.CONSTANT, 0, 1, 1.0, false);
    }

    public SamplerOptions withSteps(int v) { return new SamplerOptions(v, cfg, shift, sampler, mode, intervalLo, intervalHi, sdeNoise, recordTrajectory); }
    public SamplerOptions withCfg(double v) { return new SamplerOptions(steps, v, shift, sampler, mode, intervalLo, intervalHi, sdeNoise, recordTrajectory); }
    public SamplerOptions withShift(double v) { return new SamplerOptions(steps, cfg, v, sampler, mode, intervalLo, intervalHi, sdeNoise, recordTrajectory); }
    public SamplerOptions withSampler(SamplerKind v) { return new SamplerOptions(steps, cfg, shift, v, mode, intervalLo, intervalHi, sdeNoise, recordTrajectory); }
    public SamplerOptions withMode(GuidanceMode v) { return new SamplerOptions(steps, cfg, shift, sampler, v, intervalLo, intervalHi, sdeNoise, recordTrajectory); }
    public SamplerOptions withInterval(double lo, double hi) { return new SamplerOptions(steps, cfg, shift, sampler, mode, lo, hi, sdeNoise, recordTrajectory); }
    public SamplerOptions withSdeNoise(double v) { return new SamplerOptions(steps, cfg, shift, sampler, mode, intervalLo, intervalHi, v, recordTrajectory); }
    public SamplerOptions withRecordTrajectory(boolean v) { return new SamplerOptions(steps, cfg, shift, sampler, mode, intervalLo, intervalHi, sdeNoise, v); }

    /** True when the guidance interval covers all of [0, 1]. */
    public boolean intervalIsFull() { return intervalLo <= 0 && intervalHi >= 1; }
}
