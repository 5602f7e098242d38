package svg.app.serve;

import svg.app.ClassNames;
import svg.app.CliException;
import svg.app.SamplingOptions;
import svg.nn.flow.GuidanceMode;
import svg.nn.flow.SamplerKind;
import svg.nn.flow.SamplerOptions;
import svg.nn.pipeline.SvgModel;
import svg.tensor.io.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /api/generate} body: {@code {"class": "sneaker" | 7, "n": 4, "steps": 25, "cfg": 3.0,
 * "cfg_mode": "constant", "sampler": "euler", "seed": 7}}. Only {@code class} is required; a missing (or null)
 * field takes the model's default from its model.json, a missing seed a random one (returned in the answer). Every
 * problem is an {@link ApiException} (400) naming the field. The sampler settings go through the same
 * {@link SamplingOptions#apply} as {@code svg sample}'s options, and {@link #command} is the {@code svg sample}
 * command line that writes the same PNG files.
 */
record GenerateRequest(int classId, String classLabel, int n, SamplerOptions options, long seed) {
    static final Set<String> FIELDS = Set.of("class", "n", "steps", "cfg", "cfg_mode", "sampler", "seed");
    /** Default images per request. */
    static final int DEFAULT_N = 4;
    /** Seeds stay within what a JavaScript number holds exactly, so the page shows and resends them unchanged. */
    static final long MAX_SEED = (1L << 53) - 1;
    /** Guidance scales accepted (the sampler takes any finite number; beyond this range images are noise). */
    static final double MAX_CFG = 100;

    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9._/=:,+-]+");

    /** Parses and checks a request body against the model and the limits; {@code seeds} draws a seed when none is given. */
    static GenerateRequest parse(String body, SvgModel model, Limits limits, LongSupplier seeds) {
        if (body == null || body.isBlank())
            throw ApiException.badField("body", "empty; send a JSON object such as {\"class\": \"" + exampleClass(model) + "\"}");
        Object json;
        try {
            json = Json.parse(body);
        } catch (IllegalArgumentException e) {
            throw ApiException.badField("body", "malformed JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> map)) throw ApiException.badField("body", "must be a JSON object, such as {\"class\": \"" + exampleClass(model) + "\"}");
        for (Object k : map.keySet())
            if (!FIELDS.contains(k))
                throw ApiException.badField(String.valueOf(k), "unknown field; the fields are class, n, steps, cfg, cfg_mode, sampler, seed");

        Object c = map.get("class");
        if (c == null) throw ApiException.badField("class", "missing: give a class name or id (" + classRange(model) + ")");
        int classId;
        if (c instanceof String s) {
            try {
                classId = ClassNames.resolve(s, model.classes(), model.numClasses());
            } catch (CliException e) {
                throw ApiException.badField("class", e.getMessage());
            }
        } else if (c instanceof Long id) {
            if (id < 0 || id >= model.numClasses())
                throw ApiException.badField("class", "id " + id + " is out of range: this model has classes 0.." + (model.numClasses() - 1));
            classId = (int) (long) id;
        } else {
            throw ApiException.badField("class", "must be a class name or an integer id (" + classRange(model) + "), got " + show(c));
        }

        int n = intField(map, "n", 1, limits.maxN(), DEFAULT_N);
        Integer steps = map.get("steps") == null ? null : intField(map, "steps", 1, limits.maxSteps(), 0);
        Double cfg = null;
        Object cv = map.get("cfg");
        if (cv != null) {
            if (!(cv instanceof Number num)) throw ApiException.badField("cfg", "must be a number, got " + show(cv));
            cfg = num.doubleValue();
            if (!(cfg >= 0 && cfg <= MAX_CFG)) throw ApiException.badField("cfg", "must be in [0, " + (int) MAX_CFG + "], got " + show(cv));
        }
        String mode = stringField(map, "cfg_mode");
        if (mode != null) {
            try {
                GuidanceMode.parse(mode);
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("cfg_mode", e.getMessage());
            }
        }
        String sampler = stringField(map, "sampler");
        if (sampler != null) {
            try {
                SamplerKind.parse(sampler);
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("sampler", e.getMessage());
            }
        }
        long seed;
        Object sv = map.get("seed");
        if (sv == null) {
            seed = seeds.getAsLong();
        } else {
            Long s = integral(sv);
            if (s == null || Math.abs(s) > MAX_SEED)
                throw ApiException.badField("seed", "must be an integer with |seed| <= 2^53-1, got " + show(sv));
            seed = s;
        }

        SamplerOptions options;
        try {
            options = SamplingOptions.of(steps, sampler, cfg, mode).apply(model.sampling());
        } catch (CliException e) {
            throw ApiException.badField("body", e.getMessage());
        }
        // the model refuses guidance without a null class; say so here rather than fail in the queue
        boolean guided = !(options.mode() instanceof GuidanceMode.Constant && options.cfg() == 1.0);
        if (guided && model.nullClass() < 0)
            throw ApiException.badField("cfg", "this model has no null class, so it cannot use guidance: use cfg 1 (constant mode)");
        return new GenerateRequest(classId, label(classId, model), n, options, seed);
    }

    /** The class as svg sample's --class takes it back: the model's name when that name finds this id, else the id. */
    private static String label(int id, SvgModel model) {
        if (id < model.classes().size()) {
            String name = model.classes().get(id);
            try {
                if (ClassNames.resolve(name, model.classes(), model.numClasses()) == id) return name;
            } catch (CliException ignored) {
                // an ambiguous name: the id is exact
            }
        }
        return Integer.toString(id);
    }

    private static String exampleClass(SvgModel model) {
        return model.classes().isEmpty() ? "0" : model.classes().get(0);
    }

    private static String classRange(SvgModel model) {
        return model.classes().isEmpty() ? "0.." + (model.numClasses() - 1)
                : model.numClasses() + " classes: " + String.join(", ", model.classes().subList(0, Math.min(12, model.classes().size())))
                + (model.classes().size() > 12 ? ", ..." : "");
    }

    private static int intField(Map<?, ?> map, String name, int min, int max, int dflt) {
        Object v = map.get(name);
        if (v == null) return dflt;
        Long x = integral(v);
        if (x == null || x < min || x > max)
            throw ApiException.badField(name, "must be an integer in " + min + ".." + max + ", got " + show(v));
        return (int) (long) x;
    }

    /** A JSON integer (or a number with an integral value, 4.0) as a long; null when it is not one. */
    private static Long integral(Object v) {
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) <= MAX_SEED) return (long) (double) d;
        return null;
    }

    /** A JSON value for a message (short; numbers JSON cannot write, such as 1e999 read as infinity, as Java prints them). */
    private static String show(Object v) {
        String s;
        try {
            s = Json.writeCompact(v);
        } catch (IllegalArgumentException e) {
            s = String.valueOf(v);
        }
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static String stringField(Map<?, ?> map, String name) {
        Object v = map.get(name);
        if (v == null) return null;
        if (!(v instanceof String s)) throw ApiException.badField(name, "must be a string, got " + show(v));
        return s;
    }

    /** The class ids of the images: what {@code svg sample --class C --n N} generates. */
    int[] classIds(SvgModel model) {
        return ClassNames.sampleIds(List.of(classLabel), n, model.classes(), model.numClasses());
    }

    /**
     * The {@code svg sample} arguments that write these images, byte for byte, as {@code DIR/sample_000.png}, ...;
     * {@code prefix} holds the server's model and device options.
     */
    List<String> commandArgs(List<String> prefix, String outDir) {
        List<String> a = new ArrayList<>(List.of("sample"));
        a.addAll(prefix);
        a.addAll(List.of("--class", classLabel, "--n", Integer.toString(n), "--seed", Long.toString(seed),
                "--steps", Integer.toString(options.steps()), "--cfg", Double.toString(options.cfg()),
                "--cfg-mode", options.mode().toString(), "--sampler", options.sampler().officialName(), "--out", outDir));
        return a;
    }

    /** {@link #commandArgs} as a shell command line: {@code ./svg sample ... --out samples/}. */
    String command(List<String> prefix) {
        StringBuilder sb = new StringBuilder("./svg");
        for (String arg : commandArgs(prefix, "samples/")) sb.append(' ').append(shellQuote(arg));
        return sb.toString();
    }

    static String shellQuote(String s) {
        if (!s.isEmpty() && SHELL_SAFE.matcher(s).matches()) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
