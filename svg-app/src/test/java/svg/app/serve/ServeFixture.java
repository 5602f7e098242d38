package svg.app.serve;

import svg.nn.pipeline.SvgModel;
import svg.tensor.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the serve tests share: the built-in model (models/default, loaded once per JVM: whatever model is there, the
 * tests compare the server with svg sample, never with stored pictures), a server on 127.0.0.1 at a free port, and
 * small HTTP helpers.
 */
final class ServeFixture {
    private static SvgModel model;

    private ServeFixture() {}

    /** models/default of this checkout, found from the working directory upwards (as ModelLocator does). */
    static Path defaultModelDir() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("models").resolve("default");
            if (Files.isDirectory(p)) return p;
        }
        throw new AssertionError("models/default not found from " + Path.of("").toAbsolutePath());
    }

    static synchronized SvgModel model() {
        if (model == null) {
            try {
                model = SvgModel.load(defaultModelDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }

    /** A server for the default model as {@code svg serve} with no model options starts it. */
    static SvgServer start(Limits limits) {
        return SvgServer.start(model(), new SvgServer.Config("127.0.0.1", 0, limits, "default", java.util.List.of()), null);
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    record Reply(int status, String body, HttpResponse<String> raw) {
        Map<String, Object> json() {
            Object o = Json.parse(body);
            assertInstanceOf(Map.class, o, "a JSON object: " + body);
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) o;
            return m;
        }

        String header(String name) { return raw.headers().firstValue(name).orElse(null); }
    }

    static Reply get(SvgServer s, String path) {
        return send(HttpRequest.newBuilder(s.url().resolve(path)).GET());
    }

    static Reply post(SvgServer s, String path, String body) {
        return post(s, path, body, "application/json");
    }

    static Reply post(SvgServer s, String path, String body, String accept) {
        return send(HttpRequest.newBuilder(s.url().resolve(path)).header("Content-Type", "application/json")
                .header("Accept", accept).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static Reply send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** GET /health's numbers. */
    static Map<String, Object> health(SvgServer s) {
        Reply r = get(s, "/health");
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    static long num(Map<String, Object> m, String key) {
        assertTrue(m.containsKey(key), key + " missing in " + m);
        return ((Number) m.get(key)).longValue();
    }

    /** Polls /health until {@code key} reaches {@code value} (and nothing runs or waits), or fails after the timeout. */
    static Map<String, Object> awaitHealth(SvgServer s, String key, long value, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Map<String, Object> h;
        do {
            h = health(s);
            if (num(h, key) == value && num(h, "running") == 0 && num(h, "waiting") == 0) return h;
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        throw new AssertionError("after " + timeout.toSeconds() + " s, /health still says " + h + " (expected " + key + " = " + value + ", idle)");
    }

    /** No response body may show a stack trace or a Java class. */
    static void assertNoStackTrace(String body) {
        for (String s : new String[]{"\tat ", "Exception", "java.", "svg.app.", "org.eclipse", "io.javalin"})
            assertFalse(body.contains(s), "response shows internals (" + s + "): " + body);
    }
}
