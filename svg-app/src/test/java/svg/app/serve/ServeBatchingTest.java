package svg.app.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import svg.tensor.io.Json;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;
import static svg.app.serve.ServeFixture.*;

/**
 * Small requests that wait together run as one sampler batch, and each still gets the bytes it gets alone (which
 * are svg sample's, ServeApiTest): for the deterministic Euler sampler and for the SDE sampler, whose per-step
 * noise also comes from each request's own streams.
 */
class ServeBatchingTest {
    static SvgServer server;

    @BeforeAll
    static void start() {
        server = ServeFixture.start(Limits.defaults());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static CompletableFuture<HttpResponse<String>> postAsync(String body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(server.url().resolve("/api/generate")).timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code bodies} while a long request runs, so that they wait together; returns their answers. */
    static List<Map<?, ?>> whileBusy(List<String> bodies) throws Exception {
        CompletableFuture<HttpResponse<String>> blocker = postAsync("{\"class\": 0, \"n\": 16, \"steps\": 20, \"seed\": 3}");
        long end = System.nanoTime() + 20_000_000_000L;
        while (num(health(server), "running") == 0) {
            assertTrue(System.nanoTime() < end, "the long request never started");
            Thread.sleep(10);
        }
        List<CompletableFuture<HttpResponse<String>>> small = new ArrayList<>();
        for (String b : bodies) small.add(postAsync(b));
        while (num(health(server), "waiting") < bodies.size()) {
            assertTrue(System.nanoTime() < end, "the small requests never queued: " + health(server));
            Thread.sleep(5);
        }
        assertEquals(200, blocker.get().statusCode());
        List<Map<?, ?>> out = new ArrayList<>();
        for (var f : small) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode(), r.body());
            out.add((Map<?, ?>) Json.parse(r.body()));
        }
        return out;
    }

    static void check(List<String> bodies) throws Exception {
        long generations = num(health(server), "generations");
        List<Map<?, ?>> batched = whileBusy(bodies);
        assertEquals(generations + 2, num(health(server), "generations"), "the long request, then one batch for all");
        for (int i = 0; i < bodies.size(); i++) {
            assertEquals((long) bodies.size() - 1, ((Number) batched.get(i).get("batched_with")).longValue());
            Map<String, Object> alone = post(server, "/api/generate", bodies.get(i)).json();
            assertEquals(0L, num(alone, "batched_with"));
            assertEquals(alone.get("images"), batched.get(i).get("images"), bodies.get(i) + ": batched bytes differ from the request alone");
        }
    }

    @Test
    void eulerRequestsShareABatchAndKeepTheirBytes() throws Exception {
        check(List.of("{\"class\": 7, \"n\": 1, \"steps\": 3, \"seed\": 21}",
                "{\"class\": 2, \"n\": 2, \"steps\": 3, \"seed\": 22}",
                "{\"class\": 9, \"n\": 1, \"steps\": 3, \"seed\": 23}"));
    }

    @Test
    void sdeRequestsShareABatchAndKeepTheirBytes() throws Exception {
        check(List.of("{\"class\": 1, \"n\": 2, \"steps\": 3, \"sampler\": \"sde\", \"seed\": 31}",
                "{\"class\": 5, \"n\": 1, \"steps\": 3, \"sampler\": \"sde\", \"seed\": 32}"));
    }
}
