package svg.app.serve;

import org.junit.jupiter.api.Test;
import svg.app.ImageOutput;
import svg.nn.pipeline.SvgModel;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static svg.app.serve.ServeFixture.*;

/**
 * A bounded load test on 127.0.0.1: {@value #CLIENTS} clients at once, {@value #ROUNDS} requests each (n=1, 2
 * steps), against a queue of {@value #MAX_QUEUE}. Every request is answered, with 200 or 429 (with Retry-After) and
 * nothing else; the server's counters agree with what the clients saw; every image is the one the same request
 * gives alone (no mix-up between concurrent requests); afterwards the server is idle, still answers, and its heap
 * after a GC is within {@value #HEAP_SLACK_MB} MB of where it started.
 */
class ServeLoadTest {
    static final int CLIENTS = 32, ROUNDS = 3, MAX_QUEUE = 2, HEAP_SLACK_MB = 64;

    record Answer(int client, int round, int status, String retryAfter, String body) {}

    static String body(int client, int round) {
        return "{\"class\": " + (client % 10) + ", \"n\": 1, \"steps\": 2, \"seed\": " + (client * 100 + round) + "}";
    }

    @Test
    void everyRequestIsAnsweredWith200Or429() throws Exception {
        SvgModel model = ServeFixture.model();
        try (SvgServer server = ServeFixture.start(Limits.defaults().withMaxQueue(MAX_QUEUE))) {
            assertEquals(200, post(server, "/api/generate", body(0, 0)).status(), "warm-up");
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            System.gc();
            long heapBefore = mem.getHeapMemoryUsage().getUsed();
            long t0 = System.nanoTime();

            ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(pool.submit(() -> {
                        go.await();
                        for (int round = 0; round < ROUNDS; round++) {
                            Reply r = post(server, "/api/generate", body(client, round));
                            answers.add(new Answer(client, round, r.status(), r.header("Retry-After"), r.body()));
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : clients) f.get(120, TimeUnit.SECONDS);
            }
            double secs = (System.nanoTime() - t0) / 1e9;

            assertEquals(CLIENTS * ROUNDS, answers.size(), "every request answered");
            int ok = 0, busy = 0;
            List<Answer> served = new ArrayList<>();
            for (Answer a : answers) {
                assertNoStackTrace(a.body);
                if (a.status == 200) {
                    ok++;
                    served.add(a);
                } else {
                    assertEquals(429, a.status, "client " + a.client + " round " + a.round + ": " + a.body);
                    busy++;
                    assertNotNull(a.retryAfter, "429 without Retry-After");
                    assertTrue(Long.parseLong(a.retryAfter) >= 1, a.retryAfter);
                    assertTrue(a.body.contains("queue is full"), a.body);
                }
            }
            assertTrue(ok >= MAX_QUEUE + 1, "at least a queue's worth served: " + ok);
            System.out.printf("serve load: %d clients x %d requests in %.1f s: %d answered 200, %d answered 429%n",
                    CLIENTS, ROUNDS, secs, ok, busy);

            Map<String, Object> h = awaitHealth(server, "completed", 1 + ok, java.time.Duration.ofSeconds(10));
            assertEquals((long) busy, num(h, "rejected"));
            assertEquals(0L, num(h, "failed"));
            assertEquals(0L, num(h, "cancelled"));

            // every served image is the one that request gives alone, as svg sample's code writes it
            for (Answer a : served.subList(0, Math.min(8, served.size()))) {
                Map<?, ?> m = (Map<?, ?>) svg.tensor.io.Json.parse(a.body);
                byte[] png = Base64.getDecoder().decode((String) ((List<?>) m.get("images")).getFirst());
                var img = ImageIO.read(new ByteArrayInputStream(png));
                assertEquals(model.outputSize(), img.getWidth());
                int[] ids = {a.client % 10};
                var opts = model.sampling().withSteps(2);
                byte[] alone = ImageOutput.pngs(model.generate(ids, opts, a.client * 100L + a.round, ModelGenerator.BATCH, null), 1).getFirst();
                assertArrayEquals(alone, png, "client " + a.client + " round " + a.round);
            }

            // still serving, memory back where it was
            assertEquals(200, post(server, "/api/generate", body(1, 1)).status());
            System.gc();
            long heapAfter = mem.getHeapMemoryUsage().getUsed();
            assertTrue(heapAfter - heapBefore < HEAP_SLACK_MB << 20,
                    "heap grew from " + (heapBefore >> 20) + " MB to " + (heapAfter >> 20) + " MB");
        }
    }
}
