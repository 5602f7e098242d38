package svg.app;

import picocli.CommandLine.Option;
import svg.nn.flow.GuidanceMode;
import svg.nn.flow.SamplerKind;
import svg.nn.flow.SamplerOptions;

/** Sampler settings; each one left out keeps the model's default from its model.json. */
public final class SamplingOptions {
    @Option(names = "--steps", paramLabel = "N", description = "Sampler steps (model default, SVG: 25).")
    Integer steps;

    @Option(names = "--sampler", paramLabel = "KIND", description = "euler, heun or sde (model default, SVG: euler).")
    String sampler;

    @Option(names = "--cfg", paramLabel = "SCALE", description = "Classifier-free guidance scale; 1 = none (model default, SVG: 4).")
    Double cfg;

    @Option(names = "--cfg-mode", paramLabel = "MODE", description = "Guidance schedule: constant, late, linear, early-R, cfg_star-K-R (model default: constant).")
    String cfgMode;

    @Option(names = "--cfg-interval", paramLabel = "LO,HI",
            description = "Apply guidance only for t in [LO, HI] (default 0,1 = always).")
    String cfgInterval;

    @Option(names = "--shift", paramLabel = "S", description = "Time-grid shift (model default, SVG: 0.15).")
    Double shift;

    @Option(names = "--sde-noise", paramLabel = "ETA", description = "Noise level of the sde sampler (default 1).")
    Double sdeNoise;

    /** The options that {@code --steps}, {@code --sampler}, {@code --cfg} and {@code --cfg-mode} set (null: not given). */
    public static SamplingOptions of(Integer steps, String sampler, Double cfg, String cfgMode) {
        SamplingOptions s = new SamplingOptions();
        s.steps = steps;
        s.sampler = sampler;
        s.cfg = cfg;
        s.cfgMode = cfgMode;
        return s;
    }

    /** {@code base} (the model's defaults) with every option given here replacing its value. */
    public SamplerOptions apply(SamplerOptions base) {
        SamplerOptions o = base;
        try {
            if (steps != null) {
                if (steps < 1) throw new CliException("--steps must be >= 1, got " + steps);
                o = o.withSteps(steps);
            }
            if (sampler != null) o = o.withSampler(SamplerKind.parse(sampler));
            if (cfg != null) o = o.withCfg(cfg);
            if (cfgMode != null) o = o.withMode(GuidanceMode.parse(cfgMode));
            if (shift != null) o = o.withShift(shift);
            if (sdeNoise != null) o = o.withSdeNoise(sdeNoise);
            if (cfgInterval != null) {
                String[] p = cfgInterval.split(",");
                double lo, hi;
                try {
                    if (p.length != 2) throw new NumberFormatException();
                    lo = Double.parseDouble(p[0].trim());
                    hi = Double.parseDouble(p[1].trim());
                } catch (NumberFormatException e) {
                    throw new CliException("--cfg-interval needs two numbers LO,HI, got '" + cfgInterval + "'");
                }
                o = o.withInterval(lo, hi);
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
        return o;
    }

    /** One line naming every setting that changes the images, for logs and reports. */
    public static String describe(SamplerOptions o) {
        String interval = o.intervalLo() > 0 || o.intervalHi() < 1 ? ", interval [" + o.intervalLo() + ", " + o.intervalHi() + "]" : "";
        return o.steps() + " " + o.sampler().officialName() + " steps, cfg " + o.cfg() + " (" + o.mode() + interval + "), shift " + o.shift();
    }
}
