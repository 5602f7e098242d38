package svg.nn.flow;

import java.util.Locale;

/** The integrators: Euler and Heun (official), and an Euler-Maruyama SDE variant (see {@link FlowSampler}). */
public enum SamplerKind {
    EULER, HEUN, SDE;

    public static SamplerKind parse(String s) {
        if (s == null) throw new IllegalArgumentException("sampler name is null");
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "euler", "ode" -> EULER;
            case "heun" -> HEUN;
            case "sde", "euler-maruyama", "euler_maruyama" -> SDE;
            default -> throw new IllegalArgumentException("unknown sampler '" + s + "'; expected euler, heun or sde");
        };
    }

    public String officialName() { return name().toLowerCase(Locale.ROOT); }
}
