package svg.app.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web page of {@code svg serve}: static files under {@code svg/app/serve/} on the class path
 * (svg-app/src/main/resources), read once when the server starts, so a missing file fails at startup rather than
 * on the first visit. The page gets everything else from the API.
 */
final class PageResources {
    static final String BASE = "/svg/app/serve/";

    /** One file: its bytes and content type. */
    record Page(byte[] bytes, String contentType) {}

    private final Map<String, Page> pages = new LinkedHashMap<>();

    PageResources() {
        add("/", "index.html", "text/html; charset=utf-8");
        add("/serve.js", "serve.js", "text/javascript; charset=utf-8");
        add("/serve.css", "serve.css", "text/css; charset=utf-8");
    }

    private void add(String path, String file, String type) {
        try (InputStream in = PageResources.class.getResourceAsStream(BASE + file)) {
            if (in == null) throw new IllegalStateException("the page resource " + BASE + file + " is missing from the class path");
            pages.put(path, new Page(in.readAllBytes(), type));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the page resource " + BASE + file, e);
        }
    }

    /** URL path -> file, for the routes. */
    Map<String, Page> pages() { return pages; }
}
