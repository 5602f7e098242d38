package svg.nn.data;

import java.util.List;

/** Random-access labelled images. Implementations are immutable and safe to read from several threads. */
public interface Dataset {
    int size();

    /** The i-th example, 0 <= i < size(); a fresh image the caller may modify. */
    Example get(int i);

    /** Class names, index = label. */
    List<String> classNames();

    default int numClasses() { return classNames().size(); }

    /** The label for a class name (case-insensitive; '-' and '_' and ' ' are interchangeable). */
    default int classIndex(String name) {
        String want = normalise(name);
        List<String> names = classNames();
        for (int i = 0; i < names.size(); i++) if (normalise(names.get(i)).equals(want)) return i;
        throw new IllegalArgumentException("unknown class '" + name + "'; known: " + String.join(", ", names));
    }

    private static String normalise(String s) { return s.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-').replace(' ', '-'); }
}
