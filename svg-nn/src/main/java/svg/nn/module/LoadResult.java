package svg.nn.module;

import java.util.List;

/** What {@link Module#loadStateDict} found: keys the model has but the source lacks, keys it does not know, and
 * keys whose shapes differ (with both shapes). */
public record LoadResult(List<String> missing, List<String> unexpected, List<String> mismatched) {
    public LoadResult {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
    }

    public boolean isClean() { return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty(); }

    @Override
    public String toString() {
        return "missing " + missing + ", unexpected " + unexpected + ", mis-shaped " + mismatched;
    }
}
