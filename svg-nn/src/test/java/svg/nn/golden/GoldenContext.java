package svg.nn.golden;

import svg.nn.module.Module;
import svg.tensor.Tensor;
import svg.tensor.io.Json;
import svg.tensor.io.Safetensors;
import svg.tensor.io.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One golden case folder: its case.json, its inputs and expected outputs (io.safetensors), its weights, and the
 * comparison of our outputs with the tolerances of case.json (pass when max_abs AND rel_l2 both hold).
 */
public final class GoldenContext {
    public final Path dir;
    public final Map<String, Object> json;
    private final Map<String, Tensor> io;
    private final Set<String> unchecked;
    private final List<String> failures = new ArrayList<>();
    private final List<String> report = new ArrayList<>();

    @SuppressWarnings("unchecked")
    public GoldenContext(Path dir) throws IOException {
        this.dir = dir;
        this.json = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("case.json")));
        this.io = Safetensors.load(dir.resolve("io.safetensors"));
        this.unchecked = new LinkedHashSet<>(outputs().keySet());
    }

    public String caseType() { return (String) json.get("case"); }

    @SuppressWarnings("unchecked")
    public Map<String, Object> config() { return (Map<String, Object>) json.get("config"); }

    @SuppressWarnings("unchecked")
    public Map<String, Object> outputs() { return (Map<String, Object>) json.get("outputs"); }

    public Tensor input(String name) { return tensor("input/" + name); }

    public Tensor expected(String name) { return tensor("output/" + name); }

    /** An integer input (I64 labels, read as exact small floats) as ints. */
    public int[] labels(String name) {
        float[] v = input(name).toArray();
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (int) v[i];
            if (r[i] != v[i]) fail("input/" + name + " is not integral: " + v[i]);
        }
        return r;
    }

    private Tensor tensor(String key) {
        Tensor t = io.get(key);
        if (t == null) fail(dir.getFileName() + ": io.safetensors has no '" + key + "' (has " + io.keySet() + ")");
        return t;
    }

    /** Names of outputs listed in case.json that start with {@code prefix}. */
    public List<String> outputNames(String prefix) {
        return outputs().keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> weightsJson() { return (Map<String, Object>) json.get("weights"); }

    /** The main weights file (safetensors), read with our safetensors reader. */
    public Map<String, Tensor> weights() throws IOException {
        return Safetensors.load(dir.resolve((String) weightsJson().get("file")).normalize());
    }

    /** The same weights as stored in PyTorch pickle files ({@code weights.extra_files}), read with our unpickler. */
    @SuppressWarnings("unchecked")
    public Map<String, Map<String, Tensor>> extraWeights() throws IOException {
        Map<String, Map<String, Tensor>> r = new LinkedHashMap<>();
        Object ef = weightsJson().get("extra_files");
        if (ef == null) return r;
        for (Object o : (List<Object>) ef) {
            Map<String, Object> e = (Map<String, Object>) o;
            String file = (String) e.get("file");
            r.put(file, TorchCheckpoint.stateDict(dir.resolve(file), (String) e.get("container")));
        }
        return r;
    }

    /** Strict load; a mismatch fails with the missing/unexpected/mis-shaped key names. */
    public <M extends Module> M load(M model, Map<String, Tensor> weights) {
        model.loadStateDict(weights, true);
        return model;
    }

    /** Loads the pickle copies into {@code fresh} models and asserts they are bit-identical to the safetensors ones. */
    public void checkExtraWeightsMatch(Map<String, Tensor> main, java.util.function.Supplier<Module> fresh) throws IOException {
        for (var e : extraWeights().entrySet()) {
            Module m = fresh.get();
            m.loadStateDict(e.getValue(), true);
            for (var kv : m.stateDict().entrySet()) {
                Tensor ref = main.get(kv.getKey());
                assertArrayEquals(ref.toArray(), kv.getValue().toArray(), e.getKey() + ": " + kv.getKey() + " differs from the safetensors copy");
            }
            report.add(String.format("  weights %-28s %d tensors, strict load, bit-identical to %s", e.getKey(), e.getValue().size(), weightsJson().get("file")));
        }
    }

    /** Compares {@code ours} with output {@code name} under its case.json tolerance. */
    public void check(String name, Tensor ours) {
        Tensor gold = expected(name);
        unchecked.remove(name);
        if (!Arrays.equals(gold.shape(), ours.shape())) {
            failures.add(name + ": shape " + Arrays.toString(ours.shape()) + ", golden " + Arrays.toString(gold.shape()));
            return;
        }
        float[] a = ours.toArray(), g = gold.toArray();
        double maxAbs = 0, diff2 = 0, ref2 = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - g[i];
            if (!(Math.abs(d) <= maxAbs)) maxAbs = Double.isNaN(d) ? Double.NaN : Math.max(maxAbs, Math.abs(d));
            diff2 += d * d;
            ref2 += (double) g[i] * g[i];
        }
        double rel = ref2 == 0 ? Math.sqrt(diff2) : Math.sqrt(diff2 / ref2);
        double[] tol = tolerance(name);
        boolean ok = maxAbs <= tol[0] && rel <= tol[1];
        String line = String.format("  %-36s max_abs %.3e (tol %.1e)  rel_l2 %.3e (tol %.1e)  %s", name, maxAbs, tol[0], rel, tol[1], ok ? "ok" : "FAIL");
        report.add(line);
        if (!ok) failures.add(line.trim());
    }

    /** Marks an output as intentionally not compared here, with the reason (shown in the report). */
    public void skip(String name, String reason) {
        unchecked.remove(name);
        report.add(String.format("  %-36s skipped: %s", name, reason));
    }

    @SuppressWarnings("unchecked")
    private double[] tolerance(String name) {
        Map<String, Object> tols = (Map<String, Object>) json.get("tolerance");
        Map<String, Object> t = tols == null ? null : (Map<String, Object>) tols.get(name);
        if (t == null) fail("case.json has no tolerance for output '" + name + "'");
        return new double[]{((Number) t.get("max_abs")).doubleValue(), ((Number) t.get("rel_l2")).doubleValue()};
    }

    /** Fails unless every output was compared (or explicitly skipped) and all comparisons passed. */
    public void finish() {
        System.out.println("golden " + dir.getFileName() + " [" + caseType() + "]");
        report.forEach(System.out::println);
        if (!unchecked.isEmpty()) failures.add("outputs listed in case.json but never compared: " + unchecked);
        if (!failures.isEmpty()) fail(dir.getFileName() + ": " + String.join("\n", failures));
    }

    // ------------------------------------------------------------------ config access

    public static int i(Map<String, Object> m, String k) { return ((Number) req(m, k)).intValue(); }

    public static double d(Map<String, Object> m, String k) { return ((Number) req(m, k)).doubleValue(); }

    public static boolean b(Map<String, Object> m, String k) { return (Boolean) req(m, k); }

    public static String s(Map<String, Object> m, String k) { return (String) req(m, k); }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> obj(Map<String, Object> m, String k) { return (Map<String, Object>) req(m, k); }

    @SuppressWarnings("unchecked")
    public static int[] ints(Map<String, Object> m, String k) {
        return ((List<Object>) req(m, k)).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    public static Object req(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v == null) fail("case.json config lacks '" + k + "' (has " + m.keySet() + ")");
        return v;
    }

    /** {@code m[k]} or {@code dflt} when absent or null. */
    public static Object opt(Map<String, Object> m, String k, Object dflt) {
        Object v = m.get(k);
        return v == null ? dflt : v;
    }

    static void assertShape(Tensor t, int... shape) { assertEquals(Arrays.toString(shape), Arrays.toString(t.shape())); }
}
