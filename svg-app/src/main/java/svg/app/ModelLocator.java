package svg.app;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the built-in default model lives: {@code models/default/} in the repository. The launcher passes the
 * repository root as {@code -Dsvg.home}; without it (tests, IDE) the working directory and its parents are searched.
 */
final class ModelLocator {
    static final String DEFAULT_DIR = "models/default";

    private ModelLocator() {}

    /** The default model folder if it exists, else null. */
    static Path defaultModelDir() {
        String home = System.getProperty("svg.home");
        if (home != null) {
            Path p = Path.of(home).resolve(DEFAULT_DIR);
            return Files.isDirectory(p) ? p : null;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(DEFAULT_DIR);
            if (Files.isDirectory(p)) return p;
        }
        return null;
    }

    /** Where the default model is expected, for error messages. */
    static String expectedLocation() {
        String home = System.getProperty("svg.home");
        return home != null ? Path.of(home).resolve(DEFAULT_DIR).toString() : DEFAULT_DIR + "/ (in the repository)";
    }
}
