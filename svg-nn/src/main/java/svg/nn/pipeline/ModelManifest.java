package svg.nn.pipeline;

import svg.nn.flow.GuidanceMode;
import svg.nn.flow.SamplerKind;
import svg.nn.flow.SamplerOptions;
import svg.tensor.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code model.json} of a model directory (see docs/model-format.md):
 * <pre>
 * {"format": "svg-jvm-model/1",
 *  "dit": {DiTConfig, official argument names},
 *  "autoencoder": {autoencoder config incl. dino / residual ViT / decoder},
 *  "classes": ["tench", ...],            // one name per class id (may be empty: ids only)
 *  "image_size": 256,
 *  "feature_norm": true,                 // standardise latents with stats.safetensors
 *  "sampling": {"steps": 25, "cfg": 4.0, "shift": 0.15, "sampler": "euler",
 *               "cfg_mode": "constant", "cfg_interval": [0, 1], "sde_noise": 1.0}}
 * </pre>
 * The dit and autoencoder sections stay JSON maps here; {@link SvgModel} turns them into config records.
 */
public record ModelManifest(String format, Map<String, Object> dit, Map<String, Object> autoencoder,
                            List<String> classes, int imageSize, boolean featureNorm, SamplerOptions sampling) {
    public static final String FORMAT = "svg-jvm-model/1";
    public static final String FILE = "model.json";

    private static final Set<String> TOP_KEYS = Set.of("format", "dit", "autoencoder", "classes", "image_size", "feature_norm", "sampling");
    private static final Set<String> SAMPLING_KEYS = Set.of("steps", "cfg", "shift", "sampler", "cfg_mode", "cfg_interval", "sde_noise");

    public ModelManifest {
        if (!FORMAT.equals(format))
            throw new IllegalArgumentException("model.json: format must be \"" + FORMAT + "\", got " + (format == null ? "none" : "\"" + format + "\""));
        if (dit == null) throw new IllegalArgumentException("model.json: missing \"dit\" section");
        if (autoencoder == null) throw new IllegalArgumentException("model.json: missing \"autoencoder\" section");
        // divisibility by the encoder patch size is checked by SvgModel, which knows the patch size
        if (imageSize <= 0) throw new IllegalArgumentException("model.json: image_size must be positive, got " + imageSize);
        classes = classes == null ? List.of() : List.copyOf(classes);
        if (sampling == null) sampling = SamplerOptions.defaults();
    }

    public static ModelManifest read(Path file) throws IOException {
        try {
            return fromJson(Json.parse(Files.readString(file)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, Json.write(toJson()) + "\n");
    }

    @SuppressWarnings("unchecked")
    public static ModelManifest fromJson(Object json) {
        if (!(json instanceof Map<?, ?> m0)) throw new IllegalArgumentException("model.json must hold a JSON object");
        Map<String, Object> m = (Map<String, Object>) m0;
        for (String k : m.keySet())
            if (!TOP_KEYS.contains(k)) throw new IllegalArgumentException("model.json: unknown key \"" + k + "\"; expected " + TOP_KEYS);
        List<String> classes = new ArrayList<>();
        if (m.get("classes") instanceof List<?> l) for (Object o : l) {
            if (!(o instanceof String s)) throw new IllegalArgumentException("model.json: class names must be strings, got " + o);
            classes.add(s);
        } else if (m.get("classes") != null) throw new IllegalArgumentException("model.json: \"classes\" must be a list of names");
        if (!(m.get("image_size") instanceof Number size)) throw new IllegalArgumentException("model.json: missing \"image_size\"");
        if (m.get("format") != null && !(m.get("format") instanceof String))
            throw new IllegalArgumentException("model.json: \"format\" must be the string \"" + FORMAT + "\"");
        Object fn = m.getOrDefault("feature_norm", Boolean.TRUE);
        if (!(fn instanceof Boolean featureNorm)) throw new IllegalArgumentException("model.json: \"feature_norm\" must be true or false");
        return new ModelManifest((String) m.get("format"), section(m, "dit"), section(m, "autoencoder"), classes,
                RecordJson.intValue(size, "model.json: image_size"), featureNorm, parseSampling(m.get("sampling")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v == null) return null;
        if (!(v instanceof Map<?, ?>)) throw new IllegalArgumentException("model.json: \"" + k + "\" must be an object");
        return (Map<String, Object>) v;
    }

    /** Sampling defaults; absent keys keep the official SVG values (25 Euler steps, cfg 4, shift 0.15, constant). */
    @SuppressWarnings("unchecked")
    public static SamplerOptions parseSampling(Object json) {
        SamplerOptions o = SamplerOptions.defaults();
        if (json == null) return o;
        if (!(json instanceof Map<?, ?> m0)) throw new IllegalArgumentException("model.json: \"sampling\" must be an object");
        Map<String, Object> m = (Map<String, Object>) m0;
        for (String k : m.keySet())
            if (!SAMPLING_KEYS.contains(k)) throw new IllegalArgumentException("model.json: unknown sampling key \"" + k + "\"; expected " + SAMPLING_KEYS);
        if (m.containsKey("steps")) o = o.withSteps(RecordJson.intValue(num(m, "steps"), "model.json: sampling steps"));
        if (m.containsKey("cfg")) o = o.withCfg(num(m, "cfg").doubleValue());
        if (m.containsKey("shift")) o = o.withShift(num(m, "shift").doubleValue());
        if (m.containsKey("sampler")) o = o.withSampler(SamplerKind.parse(String.valueOf(m.get("sampler"))));
        if (m.containsKey("cfg_mode")) o = o.withMode(GuidanceMode.parse(String.valueOf(m.get("cfg_mode"))));
        if (m.containsKey("sde_noise")) o = o.withSdeNoise(num(m, "sde_noise").doubleValue());
        if (m.containsKey("cfg_interval")) {
            if (!(m.get("cfg_interval") instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof Number lo) || !(l.get(1) instanceof Number hi))
                throw new IllegalArgumentException("model.json: \"cfg_interval\" must be [lo, hi]");
            o = o.withInterval(lo.doubleValue(), hi.doubleValue());
        }
        return o;
    }

    private static Number num(Map<String, Object> m, String k) {
        if (!(m.get(k) instanceof Number n)) throw new IllegalArgumentException("model.json: sampling \"" + k + "\" must be a number");
        return n;
    }

    public static Map<String, Object> samplingJson(SamplerOptions o) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("steps", (long) o.steps());
        s.put("cfg", o.cfg());
        s.put("shift", o.shift());
        s.put("sampler", o.sampler().officialName());
        s.put("cfg_mode", o.mode().toString());
        s.put("cfg_interval", List.of(o.intervalLo(), o.intervalHi()));
        s.put("sde_noise", o.sdeNoise());
        return s;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format);
        m.put("dit", dit);
        m.put("autoencoder", autoencoder);
        m.put("classes", classes);
        m.put("image_size", (long) imageSize);
        m.put("feature_norm", featureNorm);
        m.put("sampling", samplingJson(sampling));
        return m;
    }
}
