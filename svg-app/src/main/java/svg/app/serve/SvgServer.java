package svg.app.serve;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import svg.nn.flow.SamplerKind;
import svg.nn.pipeline.SvgModel;
import svg.tensor.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side of {@code svg serve}: Javalin (Jetty 12) serving the page, {@code GET /api/model},
 * {@code POST /api/generate} and {@code GET /health} for one loaded model (docs/serve.md).
 *
 * <p>{@code POST /api/generate} validates the body ({@link GenerateRequest}), queues the job ({@link JobQueue}) and
 * then keeps the connection busy until the images are there: as server-sent events (progress, then the result) when
 * the client accepts {@code text/event-stream}, else as one JSON object, preceded by a space every
 * {@value #HEARTBEAT_MS} ms while it waits (JSON allows leading white space). Those writes are how a client that
 * disconnects is noticed (Jetty reports nothing until a write fails): its job is then cancelled. Every error is
 * {@code {"error": "..."}}; stack traces go to the server's stderr, never into a response.
 */
final class SvgServer implements AutoCloseable {
    static final long POLL_MS = 100, HEARTBEAT_MS = 500;
    private static final String JSON = "application/json; charset=utf-8";

    /** Where to listen, the limits, the model's name for /api/model, and the model/device options of svg sample. */
    record Config(String host, int port, Limits limits, String modelName, List<String> commandPrefix) {}

    private final SvgModel model;
    private final Config config;
    private final JobQueue queue;
    private final PrintWriter log;
    private final String modelJson;
    private final long startNanos = System.nanoTime();
    private final Javalin app;

    private SvgServer(SvgModel model, Config config, PrintWriter log) {
        this.model = model;
        this.config = config;
        this.log = log;
        this.modelJson = Json.writeCompact(modelInfo());
        this.queue = new JobQueue(config.limits().maxQueue(), ModelGenerator.BATCH, new ModelGenerator(model));
        PageResources pages = new PageResources();
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.http.maxRequestSize = config.limits().maxBodyBytes();
            c.http.compressionStrategy = CompressionStrategy.NONE;
            c.http.prefer405over404 = true;
            c.jetty.modifyHttpConfiguration(h -> h.setSendServerVersion(false));
            // errors that Jetty answers itself (a malformed request line, a bad header) are JSON too
            c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));

            pages.pages().forEach((path, page) -> c.routes.get(path, ctx -> {
                ctx.header("Cache-Control", "no-cache");
                ctx.header("X-Content-Type-Options", "nosniff");
                if (page.contentType().startsWith("text/html"))
                    ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'");
                ctx.contentType(page.contentType()).result(page.bytes());
            }));
            c.routes.get("/api/model", ctx -> ctx.contentType(JSON).result(modelJson));
            c.routes.get("/health", ctx -> ctx.contentType(JSON).result(Json.writeCompact(health())));
            c.routes.post("/api/generate", this::generate);

            c.routes.exception(ApiException.class, (e, ctx) -> {
                if (e.retryAfterSeconds > 0) ctx.header("Retry-After", Long.toString(e.retryAfterSeconds));
                ctx.status(e.status).contentType(JSON).result(Json.writeCompact(e.body()));
            });
            c.routes.exception(HttpResponseException.class, (e, ctx) -> {
                String msg = switch (e.getStatus()) {
                    case 404 -> "not found: " + ctx.method() + " " + ctx.path() + " (see GET / and /api/model)";
                    case 405 -> "method not allowed: " + ctx.method() + " " + ctx.path();
                    case 413 -> "body: larger than " + config.limits().maxBodyBytes() + " bytes";
                    default -> e.getMessage() == null ? "HTTP " + e.getStatus() : e.getMessage();
                };
                ctx.status(e.getStatus()).contentType(JSON).result(Json.writeCompact(Map.of("error", msg)));
            });
            c.routes.exception(Exception.class, (e, ctx) -> {
                logFailure("request " + ctx.method() + " " + ctx.path() + " failed", e);
                ctx.status(500).contentType(JSON).result(Json.writeCompact(Map.of("error", "internal error (" + e.getClass().getSimpleName() + "); see the server log")));
            });
        });
    }

    /** Starts serving {@code model}; {@code log} (may be null) gets one line per generate request. */
    static SvgServer start(SvgModel model, Config config, PrintWriter log) {
        SvgServer s = new SvgServer(model, config, log);
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.queue.close();
            Throwable t = e;
            while (t.getCause() != null && t.getCause() != t) t = t.getCause();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()), e);
        }
        return s;
    }

    /** The port listened on (the chosen one when the config said 0). */
    int port() { return app.port(); }

    URI url() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + h + ":" + port() + "/");
    }

    JobQueue.Stats stats() { return queue.stats(); }

    private boolean closed;

    /** Cancels the queued and running jobs, then stops the HTTP server. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        queue.close();
        app.stop();
    }

    // ------------------------------------------------------------------ the API

    private Map<String, Object> modelInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", config.modelName());
        m.put("classes", model.classes());
        m.put("num_classes", model.numClasses());
        m.put("image_size", model.outputSize());
        m.put("guidance", model.nullClass() >= 0);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("n", GenerateRequest.DEFAULT_N);
        d.put("steps", model.sampling().steps());
        d.put("cfg", model.sampling().cfg());
        d.put("cfg_mode", model.sampling().mode().toString());
        d.put("sampler", model.sampling().sampler().officialName());
        d.put("shift", model.sampling().shift());
        m.put("defaults", d);
        m.put("samplers", Arrays.stream(SamplerKind.values()).map(SamplerKind::officialName).toList());
        m.put("cfg_modes", List.of("constant", "late", "linear", "early-R", "cfg_star-K-R"));
        Limits l = config.limits();
        Map<String, Object> lim = new LinkedHashMap<>();
        lim.put("max_n", l.maxN());
        lim.put("max_steps", l.maxSteps());
        lim.put("max_body_bytes", l.maxBodyBytes());
        lim.put("max_queue", l.maxQueue());
        m.put("limits", lim);
        return m;
    }

    private Map<String, Object> health() {
        JobQueue.Stats s = queue.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("model", config.modelName());
        m.put("uptime_s", Math.round((System.nanoTime() - startNanos) / 1e9));
        m.put("running", s.running());
        m.put("waiting", s.waiting());
        m.put("max_queue", s.maxWaiting());
        m.put("completed", s.completed());
        m.put("cancelled", s.cancelled());
        m.put("failed", s.failed());
        m.put("rejected", s.rejected());
        m.put("images", s.images());
        m.put("generations", s.generations());
        m.put("images_per_s", s.busySeconds() > 0 ? Math.round(s.images() / s.busySeconds() * 100) / 100.0 : 0.0);
        Runtime rt = Runtime.getRuntime();
        m.put("heap_used_mb", (rt.totalMemory() - rt.freeMemory()) >> 20);
        m.put("heap_max_mb", rt.maxMemory() >> 20);
        return m;
    }

    private void generate(Context ctx) {
        String accept = ctx.header("Accept");
        boolean sse = accept != null && accept.toLowerCase(Locale.ROOT).contains("text/event-stream");
        String body = readBody(ctx);
        GenerateRequest r = GenerateRequest.parse(body, model, config.limits(), () -> ThreadLocalRandom.current().nextLong(1L << 31));
        JobQueue.Job job = queue.submit(r);
        stream(ctx.res(), job, sse);
    }

    /** The body as UTF-8, refused with 413 beyond the limit (before reading it when Content-Length says so). */
    private String readBody(Context ctx) {
        int max = config.limits().maxBodyBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) throw ApiException.of(413, "body: larger than " + max + " bytes (" + declared + ")");
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) throw ApiException.of(413, "body: larger than " + max + " bytes");
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ApiException.of(400, "body: could not be read (" + e.getMessage() + ")");
        }
    }

    /**
     * Waits for the job while writing to the client: SSE progress events, or spaces before the JSON. A write that
     * fails means the client is gone, and the job is cancelled.
     */
    private void stream(HttpServletResponse res, JobQueue.Job job, boolean sse) {
        GenerateRequest r = job.request;
        res.setStatus(200);
        res.setContentType(sse ? "text/event-stream; charset=utf-8" : JSON);
        res.setHeader("Cache-Control", "no-store");
        List<byte[]> pngs = null;
        Throwable failure = null;
        try {
            ServletOutputStream out = res.getOutputStream();
            long lastWrite = System.nanoTime();
            int lastPosition = -1, lastDone = -1;
            if (sse) {
                lastPosition = job.position();
                event(out, "queued", Map.of("position", lastPosition));
            }
            while (true) {
                try {
                    pngs = job.result.get(POLL_MS, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    boolean wrote = false;
                    if (sse && job.state == JobQueue.State.WAITING) {
                        int p = job.position();
                        if (p != lastPosition) {
                            event(out, "queued", Map.of("position", p));
                            lastPosition = p;
                            wrote = true;
                        }
                    } else if (sse && job.done != lastDone && job.total > 0) {
                        lastDone = job.done;
                        event(out, "progress", progress(job));
                        wrote = true;
                    }
                    if (wrote) {
                        lastWrite = System.nanoTime();
                    } else if (System.nanoTime() - lastWrite > HEARTBEAT_MS * 1_000_000) {
                        out.write(sse ? ":\n\n".getBytes(StandardCharsets.US_ASCII) : new byte[]{' '});
                        out.flush();
                        lastWrite = System.nanoTime();
                    }
                } catch (CancellationException e) {
                    failure = e;
                    break;
                } catch (ExecutionException e) {
                    failure = e.getCause();
                    break;
                } catch (InterruptedException e) {
                    job.cancel("the server is stopping");
                    failure = new CancellationException("the server is stopping");
                    break;
                }
            }
            if (failure == null) {
                Map<String, Object> result = result(job, pngs);
                if (sse) {
                    event(out, "progress", progress(job));
                    event(out, "result", result);
                } else {
                    byte[] json = (Json.writeCompact(result) + "\n").getBytes(StandardCharsets.UTF_8);
                    if (!res.isCommitted()) res.setContentLength(json.length); // no heartbeat went out: a plain response
                    out.write(json);
                }
                out.flush();
                log(r, "200: " + pngs.size() + " images in " + seconds(job.endedNanos - job.startedNanos)
                        + " s (waited " + seconds(job.startedNanos - job.submittedNanos) + " s"
                        + (job.batchedWith > 1 ? ", batched with " + (job.batchedWith - 1) + " other requests" : "") + ")");
                return;
            }
            String msg;
            int status;
            if (failure instanceof CancellationException) {
                status = 503;
                msg = failure.getMessage() == null ? "cancelled" : failure.getMessage();
                log(r, "cancelled: " + msg);
            } else {
                status = 500;
                msg = "generation failed: " + (failure instanceof OutOfMemoryError ? "out of memory"
                        : failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage());
                logFailure("generation failed for " + r, failure);
            }
            Map<String, Object> err = Map.of("error", msg);
            if (sse) {
                event(out, "error", err);
            } else {
                if (!res.isCommitted()) res.setStatus(status);
                out.write((Json.writeCompact(err) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
        } catch (IOException | RuntimeException e) {
            // the client is gone (Jetty's EofException is an IOException): stop its job
            job.cancel("the client disconnected");
            if (pngs == null && failure == null) log(r, "client disconnected; job cancelled");
        }
    }

    private static Map<String, Object> progress(JobQueue.Job job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", job.phase);
        m.put("done", job.done);
        m.put("total", job.total);
        return m;
    }

    private Map<String, Object> result(JobQueue.Job job, List<byte[]> pngs) {
        GenerateRequest r = job.request;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", r.seed());
        m.put("class", r.classLabel());
        m.put("class_id", r.classId());
        m.put("n", r.n());
        m.put("steps", r.options().steps());
        m.put("cfg", r.options().cfg());
        m.put("cfg_mode", r.options().mode().toString());
        m.put("sampler", r.options().sampler().officialName());
        m.put("seconds", Math.round((job.endedNanos - job.startedNanos) / 1e6) / 1000.0);
        m.put("batched_with", job.batchedWith - 1);
        m.put("command", r.command(config.commandPrefix()));
        List<String> images = new ArrayList<>(pngs.size());
        for (byte[] png : pngs) images.add(Base64.getEncoder().encodeToString(png));
        m.put("images", images);
        return m;
    }

    private static void event(ServletOutputStream out, String name, Object data) throws IOException {
        out.write(("event: " + name + "\ndata: " + Json.writeCompact(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e9);
    }

    private void log(GenerateRequest r, String outcome) {
        if (log == null) return;
        synchronized (log) {
            log.printf(Locale.ROOT, "generate %s n=%d steps=%d cfg=%s %s seed=%d -> %s%n", r.classLabel(), r.n(),
                    r.options().steps(), r.options().cfg(), r.options().sampler().officialName(), r.seed(), outcome);
            log.flush();
        }
    }

    private static void logFailure(String what, Throwable t) {
        System.err.println("svg serve: " + what + ":");
        t.printStackTrace(System.err);
    }
}
