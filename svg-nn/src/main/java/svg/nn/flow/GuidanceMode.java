package svg.nn.flow;

/**
 * The classifier-free-guidance schedules of the official {@code RectifiedFlow.sample} ({@code cfg_mode}):
 * <ul>
 *   <li>{@code constant}: v = vu + cfg (vc - vu) at every step;</li>
 *   <li>{@code late}: cfg when (i+1)/steps > 0.5, else scale 1;</li>
 *   <li>{@code linear}: scale 1 + (cfg - 1)(i+1)/steps;</li>
 *   <li>{@code early-R}: cfg when the current t > R, else 1 (Heun's second evaluation uses t_{i+1});</li>
 *   <li>{@code cfg_star-K-R}: for steps i < K the velocity is -vu R (cfg_star-1-0 makes step 0 a no-op), later
 *   (1 - cfg) vu + cfg vc.</li>
 * </ul>
 * The step index i is the sampler step (Heun uses the same i for both of its evaluations).
 */
public sealed interface GuidanceMode {

    record Constant() implements GuidanceMode {
        @Override public String toString() { return "constant"; }
    }

    record Late() implements GuidanceMode {
        @Override public String toString() { return "late"; }
    }

    record Linear() implements GuidanceMode {
        @Override public String toString() { return "linear"; }
    }

    record Early(double threshold) implements GuidanceMode {
        @Override public String toString() { return "early-" + threshold; }
    }

    record CfgStar(int skipSteps, double ratio) implements GuidanceMode {
        public CfgStar {
            if (skipSteps < 0) throw new IllegalArgumentException("cfg_star skip steps must be >= 0, got " + skipSteps);
        }
        @Override public String toString() { return "cfg_star-" + skipSteps + "-" + ratio; }
    }

    GuidanceMode CONSTANT = new Constant();

    /** Parses an official cfg_mode string: constant, late, linear, early-R, cfg_star-K-R. */
    static GuidanceMode parse(String s) {
        if (s == null) throw new IllegalArgumentException("cfg mode is null");
        String m = s.trim();
        try {
            if (m.equals("constant")) return CONSTANT;
            if (m.equals("late")) return new Late();
            if (m.equals("linear")) return new Linear();
            if (m.startsWith("early-")) return new Early(Double.parseDouble(m.substring("early-".length())));
            if (m.startsWith("cfg_star-")) {
                String[] p = m.split("-");
                if (p.length != 3) throw new IllegalArgumentException("cfg_star mode must be cfg_star-K-R, got '" + s + "'");
                return new CfgStar(Integer.parseInt(p[1]), Double.parseDouble(p[2]));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in cfg mode '" + s + "'", e);
        }
        throw new IllegalArgumentException("unknown cfg mode '" + s + "'; expected constant, late, linear, early-R or cfg_star-K-R");
    }
}
