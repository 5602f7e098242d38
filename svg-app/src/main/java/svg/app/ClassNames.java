package svg.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns {@code --class} values into class ids: a number is an id, anything else a name looked up in the model's
 * class list. Names match case-insensitively and ignoring punctuation and spaces ("ankle boot" = "Ankle_boot"); a
 * name may also match one alternative of a slash-separated entry ("t-shirt" = "T-shirt/top") or the first
 * comma-separated synonym of an ImageNet-style entry ("tench" = "tench, Tinca tinca").
 */
public final class ClassNames {
    private ClassNames() {}

    /**
     * The class id of every image of {@code svg sample --class C... --n N}: N images of each given class in order, or,
     * without classes, N images in all cycling through the model's classes. {@code svg serve} uses the same ids.
     */
    public static int[] sampleIds(List<String> specs, int n, List<String> names, int numClasses) {
        if (specs.isEmpty()) {
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = i % numClasses;
            return ids;
        }
        int[] wanted = resolve(specs, names, numClasses);
        int[] ids = new int[wanted.length * n];
        for (int c = 0; c < wanted.length; c++)
            for (int i = 0; i < n; i++) ids[c * n + i] = wanted[c];
        return ids;
    }

    static int[] resolve(List<String> specs, List<String> names, int numClasses) {
        int[] ids = new int[specs.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = resolve(specs.get(i), names, numClasses);
        return ids;
    }

    /** One class id or name to its id; a {@link CliException} names the known classes when it matches none. */
    public static int resolve(String spec, List<String> names, int numClasses) {
        String s = spec.trim();
        if (s.matches("\\d+")) {
            int id;
            try {
                id = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                id = Integer.MAX_VALUE;
            }
            if (id >= numClasses)
                throw new CliException("class id " + s + " is out of range: this model has classes 0.." + (numClasses - 1));
            return id;
        }
        String key = norm(s);
        List<Integer> hits = new ArrayList<>();
        for (int id = 0; id < names.size(); id++) if (matches(names.get(id), key)) hits.add(id);
        if (hits.size() == 1) return hits.get(0);
        if (hits.size() > 1)
            throw new CliException("class name '" + spec + "' is ambiguous: " + hits.stream().map(h -> h + "=" + names.get(h)).toList());
        if (names.isEmpty())
            throw new CliException("unknown class '" + spec + "': this model has no class names, use an id in 0.." + (numClasses - 1));
        StringBuilder sb = new StringBuilder("unknown class '" + spec + "'; known: ");
        for (int id = 0; id < Math.min(names.size(), 30); id++) sb.append(id == 0 ? "" : ", ").append(id).append('=').append(names.get(id));
        if (names.size() > 30) sb.append(", ... (").append(names.size()).append(" classes; ids work too)");
        throw new CliException(sb.toString());
    }

    private static boolean matches(String name, String key) {
        if (norm(name).equals(key)) return true;
        for (String alt : name.split("/")) if (norm(alt).equals(key)) return true;
        int comma = name.indexOf(',');
        return comma > 0 && norm(name.substring(0, comma)).equals(key);
    }

    static String norm(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]", "");
    }

    /** A name for file names and logs: the class name if known, else the id. */
    static String label(int id, List<String> names) {
        return id >= 0 && id < names.size() ? names.get(id) : "class " + id;
    }
}
