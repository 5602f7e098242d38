package svg.nn.golden;

/**
 * A handler for one golden case type (the {@code "case"} field of case.json). It builds the model from the case's
 * config, loads the weights, runs the official functions and compares every listed output through the context.
 */
public interface GoldenCase {
    void run(GoldenContext ctx) throws Exception;
}
