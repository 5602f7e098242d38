package svg.app.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import svg.app.SvgCommand;
import svg.nn.pipeline.SvgModel;
import svg.tensor.io.Json;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static svg.app.serve.ServeFixture.*;

/**
 * The HTTP API of {@code svg serve} on the built-in model: what /api/model says, PNG bytes equal to those of the
 * {@code svg sample} command the server prints (run in-process), the event stream, a 400 naming the field for every
 * kind of bad body, JSON errors without stack traces, 429 from a full queue, and cancellation when a client leaves.
 */
class ServeApiTest {
    static SvgServer server;
    static SvgModel model;

    @BeforeAll
    static void start() {
        model = ServeFixture.model();
        server = ServeFixture.start(Limits.defaults().withMaxQueue(0));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void modelEndpointDescribesTheModel() {
        Reply r = get(server, "/api/model");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
        Map<String, Object> m = r.json();
        assertEquals("default", m.get("name"));
        assertEquals(model.classes(), m.get("classes"));
        assertEquals((long) model.numClasses(), num(m, "num_classes"));
        assertEquals((long) model.outputSize(), num(m, "image_size"));
        @SuppressWarnings("unchecked") Map<String, Object> d = (Map<String, Object>) m.get("defaults");
        assertEquals((long) model.sampling().steps(), num(d, "steps"));
        assertEquals(model.sampling().cfg(), ((Number) d.get("cfg")).doubleValue());
        assertEquals(model.sampling().shift(), ((Number) d.get("shift")).doubleValue());
        assertEquals(model.sampling().sampler().officialName(), d.get("sampler"));
        assertEquals(model.sampling().mode().toString(), d.get("cfg_mode"));
        @SuppressWarnings("unchecked") Map<String, Object> lim = (Map<String, Object>) m.get("limits");
        assertEquals((long) Limits.DEFAULT_MAX_N, num(lim, "max_n"));
        assertEquals(0L, num(lim, "max_queue"));
    }

    @Test
    void healthAndPage() {
        Map<String, Object> h = health(server);
        assertEquals("ok", h.get("status"));
        Reply page = get(server, "/");
        assertEquals(200, page.status());
        assertTrue(page.header("Content-Type").startsWith("text/html"), page.header("Content-Type"));
        assertTrue(page.body().contains("<title>svg serve</title>") && page.body().contains("serve.js"), page.body());
        assertNotNull(page.header("Content-Security-Policy"));
        Reply js = get(server, "/serve.js"), css = get(server, "/serve.css");
        assertEquals(200, js.status());
        assertTrue(js.header("Content-Type").startsWith("text/javascript"));
        assertTrue(js.body().contains("api/generate"));
        assertEquals(200, css.status());
        assertTrue(css.header("Content-Type").startsWith("text/css"));
    }

    /** The server's images are svg sample's files, byte for byte: the command in the answer is run in-process. */
    @Test
    void imagesAreTheBytesOfTheCommandItPrints(@TempDir Path tmp) throws Exception {
        String cls = model.classes().isEmpty() ? "1" : model.classes().get(model.numClasses() - 1);
        Reply r = post(server, "/api/generate", "{\"class\": \"" + cls + "\", \"n\": 3, \"steps\": 3, \"cfg\": 2.5, \"sampler\": \"heun\", \"seed\": 11}");
        assertEquals(200, r.status(), r.body());
        Map<String, Object> m = r.json();
        assertEquals(11L, num(m, "seed"));
        List<byte[]> images = images(m);
        assertEquals(3, images.size());
        String command = (String) m.get("command");
        assertEquals("./svg sample --class " + GenerateRequest.shellQuote(cls) + " --n 3 --seed 11 --steps 3 --cfg 2.5 --cfg-mode "
                + model.sampling().mode() + " --sampler heun --out samples/", command);

        List<String> args = shellWords(command.substring("./svg ".length()));
        args.set(args.size() - 1, tmp.resolve("cli").toString());
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = SvgCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute(args.toArray(String[]::new)), out + "\n" + err);
        for (int i = 0; i < images.size(); i++) {
            byte[] cli = Files.readAllBytes(tmp.resolve("cli").resolve(String.format("sample_%03d.png", i)));
            assertArrayEquals(cli, images.get(i), "image " + i + " differs from svg sample's sample_00" + i + ".png");
        }
        // the class by id, and the same request again: the same bytes
        Reply byId = post(server, "/api/generate", "{\"class\": " + (model.numClasses() - 1) + ", \"n\": 3, \"steps\": 3, \"cfg\": 2.5, \"sampler\": \"heun\", \"seed\": 11}");
        assertEquals(200, byId.status(), byId.body());
        assertEquals(m.get("images"), byId.json().get("images"));
    }

    @Test
    void aMissingSeedIsDrawnAndReturned() {
        Map<String, Object> a = generate("{\"class\": 0, \"n\": 1, \"steps\": 2}");
        long seed = num(a, "seed");
        assertTrue(seed >= 0 && seed < (1L << 31), "seed " + seed);
        Map<String, Object> again = generate("{\"class\": 0, \"n\": 1, \"steps\": 2, \"seed\": " + seed + "}");
        assertEquals(a.get("images"), again.get("images"));
        // the model's defaults fill the rest
        assertEquals(model.sampling().cfg(), ((Number) a.get("cfg")).doubleValue());
        assertEquals(2L, num(a, "steps"));
        assertEquals(model.sampling().sampler().officialName(), a.get("sampler"));
    }

    /** Accept: text/event-stream gives queued, progress (monotone, ending at the total) and the result. */
    @Test
    void eventStreamReportsProgressThenTheResult() {
        String body = "{\"class\": 2, \"n\": 5, \"steps\": 3, \"seed\": 5}";
        Reply r = post(server, "/api/generate", body, "text/event-stream");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("text/event-stream"), r.header("Content-Type"));
        List<String[]> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            String name = null, data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) name = line.substring(7);
                else if (line.startsWith("data: ")) data = line.substring(6);
            }
            if (name != null) events.add(new String[]{name, data});
        }
        assertEquals("queued", events.getFirst()[0]);
        assertEquals("result", events.getLast()[0]);
        long last = -1, total = -1;
        for (String[] e : events.subList(1, events.size() - 1)) {
            assertEquals("progress", e[0]);
            Map<?, ?> p = (Map<?, ?>) Json.parse(e[1]);
            long done = ((Number) p.get("done")).longValue();
            total = ((Number) p.get("total")).longValue();
            assertTrue(done >= last && done <= total, e[1]);
            last = done;
        }
        assertEquals(2L * (3 + 1), total, "two batches of up to 4 images, 3 steps + 1 decode each");
        assertEquals(total, last, "the last progress event is complete");
        Map<?, ?> result = (Map<?, ?>) Json.parse(events.getLast()[1]);
        assertEquals(generate(body).get("images"), result.get("images"));
    }

    @Test
    void badRequestsAre400NamingTheField() {
        String[][] cases = {
                // body, status, field, words of the message
                {"", "400", "body", "empty"},
                {"{\"class\": \"sneaker\"", "400", "body", "malformed JSON"},
                {"not json", "400", "body", "malformed JSON"},
                {"[1, 2]", "400", "body", "JSON object"},
                {"{\"class\": 1, \"class\": 2}", "400", "body", "duplicate"},
                {"{\"n\": 2}", "400", "class", "missing"},
                {"{\"class\": \"zebra\"}", "400", "class", "unknown class 'zebra'"},
                {"{\"class\": 999}", "400", "class", "out of range"},
                {"{\"class\": -1}", "400", "class", "out of range"},
                {"{\"class\": true}", "400", "class", "class name or an integer id"},
                {"{\"class\": 1, \"n\": 0}", "400", "n", "1.." + Limits.DEFAULT_MAX_N},
                {"{\"class\": 1, \"n\": " + (Limits.DEFAULT_MAX_N + 1) + "}", "400", "n", "1.." + Limits.DEFAULT_MAX_N},
                {"{\"class\": 1, \"n\": 2.5}", "400", "n", "integer"},
                {"{\"class\": 1, \"n\": \"4\"}", "400", "n", "integer"},
                {"{\"class\": 1, \"steps\": " + (Limits.DEFAULT_MAX_STEPS + 1) + "}", "400", "steps", "1.." + Limits.DEFAULT_MAX_STEPS},
                {"{\"class\": 1, \"cfg\": \"high\"}", "400", "cfg", "number"},
                {"{\"class\": 1, \"cfg\": -1}", "400", "cfg", "[0, 100]"},
                {"{\"class\": 1, \"cfg\": 1e999}", "400", "cfg", "[0, 100]"},
                {"{\"class\": 1, \"cfg_mode\": \"sometimes\"}", "400", "cfg_mode", "unknown cfg mode"},
                {"{\"class\": 1, \"cfg_mode\": 3}", "400", "cfg_mode", "string"},
                {"{\"class\": 1, \"sampler\": \"rk4\"}", "400", "sampler", "unknown sampler"},
                {"{\"class\": 1, \"seed\": 1.5}", "400", "seed", "integer"},
                {"{\"class\": 1, \"seed\": 9007199254740992}", "400", "seed", "2^53"},
                {"{\"class\": 1, \"colour\": \"red\"}", "400", "colour", "unknown field"},
                {"{\"class\": 1, \"n\": 1, \"pad\": \"" + "x".repeat(Limits.DEFAULT_MAX_BODY) + "\"}", "413", null, "larger than " + Limits.DEFAULT_MAX_BODY},
        };
        for (String[] c : cases) {
            Reply r = post(server, "/api/generate", c[0]);
            String what = c[0].length() > 80 ? c[0].substring(0, 80) + "..." : c[0];
            assertEquals(Integer.parseInt(c[1]), r.status(), what + " -> " + r.body());
            assertTrue(r.header("Content-Type").startsWith("application/json"), what);
            Map<String, Object> e = r.json();
            String msg = (String) e.get("error");
            assertNotNull(msg, r.body());
            assertTrue(msg.contains(c[3]), what + " -> " + msg);
            if (c[2] != null) {
                assertEquals(c[2], e.get("field"), what + " -> " + r.body());
                assertTrue(msg.startsWith(c[2] + ": "), "the message names the field: " + msg);
            }
            assertNoStackTrace(r.body());
        }
        assertEquals(0L, num(health(server), "running"), "no bad request reached the queue");
    }

    @Test
    void otherErrorsAreJsonWithoutStackTraces() throws Exception {
        Reply notFound = get(server, "/nothing/here");
        assertEquals(404, notFound.status());
        assertTrue(((String) notFound.json().get("error")).contains("/nothing/here"));
        Reply wrongMethod = get(server, "/api/generate");
        assertEquals(405, wrongMethod.status(), wrongMethod.body());
        assertNotNull(wrongMethod.json().get("error"));
        // requests Jetty refuses before any route: a bad URI escape, a header without a colon, no HTTP version
        for (String raw : new String[]{"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                "POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n", "BLAH\r\n\r\n"}) {
            String answer = rawExchange(raw);
            assertTrue(answer.startsWith("HTTP/1.1 4"), raw + " -> " + answer);
            assertTrue(answer.contains("{\"error\":\"HTTP 4"), raw + " -> " + answer);
            assertNoStackTrace(answer);
        }
    }

    /**
     * With --max-queue 0 a second request while one runs is refused with 429 and Retry-After; a client that closes
     * its connection cancels its job (it stops at the next sampler step, long before its 1,600 steps are done).
     */
    @Test
    void fullQueueIs429AndADisconnectCancelsTheJob() throws Exception {
        long cancelled = num(health(server), "cancelled"), completed = num(health(server), "completed");
        try (Socket slow = new Socket("127.0.0.1", server.port())) {
            String body = "{\"class\": 3, \"n\": 16, \"steps\": 100, \"seed\": 1}";
            OutputStream out = slow.getOutputStream();
            out.write(("POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long end = System.nanoTime() + 20_000_000_000L;
            while (num(health(server), "running") == 0) {
                assertTrue(System.nanoTime() < end, "the job never started");
                Thread.sleep(20);
            }
            Reply busy = post(server, "/api/generate", "{\"class\": 1, \"n\": 1, \"steps\": 2}");
            assertEquals(429, busy.status(), busy.body());
            assertTrue(Long.parseLong(busy.header("Retry-After")) >= 1, busy.header("Retry-After"));
            assertTrue(((String) busy.json().get("error")).contains("queue is full"), busy.body());
            // the slow client reads the first heartbeat, then hangs up
            InputStream in = slow.getInputStream();
            assertTrue(in.read() >= 0, "the server answers (headers, then heartbeats)");
        }
        long t0 = System.nanoTime();
        Map<String, Object> h = awaitHealth(server, "cancelled", cancelled + 1, Duration.ofSeconds(15));
        assertEquals(completed, num(h, "completed"), "the cancelled job did not complete");
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "cancelled within seconds");
        // the server goes on
        Reply ok = post(server, "/api/generate", "{\"class\": 1, \"n\": 1, \"steps\": 2}");
        assertEquals(200, ok.status(), ok.body());
    }

    // ------------------------------------------------------------------ helpers

    /** POST /api/generate that must succeed. */
    static Map<String, Object> generate(String body) {
        Reply r = post(server, "/api/generate", body);
        assertEquals(200, r.status(), body + " -> " + r.body());
        return r.json();
    }

    static List<byte[]> images(Map<String, Object> reply) {
        List<byte[]> out = new ArrayList<>();
        for (Object o : (List<?>) reply.get("images")) {
            byte[] png = Base64.getDecoder().decode((String) o);
            assertEquals((byte) 0x89, png[0]);
            assertEquals("PNG", new String(png, 1, 3, StandardCharsets.US_ASCII));
            out.add(png);
        }
        return out;
    }

    /** Splits a command line the way a POSIX shell does for plain words and single quotes. */
    static List<String> shellWords(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false, inWord = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\'') quoted = false;
                else w.append(c);
            } else if (c == '\'') {
                quoted = true;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                w.append(s.charAt(++i));
                inWord = true;
            } else if (c == ' ') {
                if (inWord) words.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) words.add(w.toString());
        return words;
    }

    private static String rawExchange(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
