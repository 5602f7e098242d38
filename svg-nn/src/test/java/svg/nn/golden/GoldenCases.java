package svg.nn.golden;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Registry: case type -> handler. Adding a case type is one {@code register} line here. */
public final class GoldenCases {
    private static final Map<String, Supplier<GoldenCase>> HANDLERS = new LinkedHashMap<>();

    static {
        register("dinov3_vit", DinoCase::new);
        register("dinov3_vit_rect", DinoCase::new);
        register("svg_residual_vit", ResidualVitCase::new);
        register("svg_decoder", DecoderCase::new);
        register("svg_autoencoder_encode", AutoencoderCase::new);
        register("svg_dit", DitCase::new);
        register("dinov2_vit", DinoV2Case::new);
        register("svg_sampler", SamplerCase::new);
    }

    private GoldenCases() {}

    public static void register(String caseType, Supplier<GoldenCase> handler) { HANDLERS.put(caseType, handler); }

    /** The handler for {@code caseType}; a type without one is a test failure that names it. */
    public static GoldenCase forType(String caseType) {
        Supplier<GoldenCase> s = HANDLERS.get(caseType);
        if (s == null)
            throw new AssertionError("no golden handler registered for case type '" + caseType + "' (known: "
                    + HANDLERS.keySet() + "); add one in " + GoldenCases.class.getName());
        return s.get();
    }
}
