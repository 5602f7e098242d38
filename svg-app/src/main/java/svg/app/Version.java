package svg.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, filtered into version.properties by Maven at build time. */
final class Version {
    private Version() {}

    static String get() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            // unfiltered when run from an IDE without Maven resource processing
            return v.startsWith("${") ? "dev" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
