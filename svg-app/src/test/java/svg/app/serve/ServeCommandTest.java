package svg.app.serve;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import svg.app.SvgCommand;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code svg serve} as a command: it starts, answers, stops when interrupted; bad options and a taken port are one error line. */
class ServeCommandTest {
    record Run(CommandLine cl, StringWriter out, StringWriter err) {
        ServeCommand serve() { return (ServeCommand) cl.getSubcommands().get("serve").getCommand(); }
    }

    static Run commandLine() {
        CommandLine cl = SvgCommand.newCommandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl, out, err);
    }

    @Test
    void startsServesAndStops() throws Exception {
        Run run = commandLine();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().start(() -> exit.set(run.cl().execute("serve", "--port", "0", "--max-queue", "3", "--threads", "2")));
        assertTrue(run.serve().started.await(60, TimeUnit.SECONDS), "not started: " + run.out() + run.err());
        Matcher m = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)").matcher(run.out().toString());
        assertTrue(m.find(), run.out().toString());
        URI url = URI.create(m.group(1));
        var health = ServeFixture.send(HttpRequest.newBuilder(url.resolve("/health")).GET());
        assertEquals(200, health.status(), health.body());
        assertEquals(3L, ServeFixture.num(health.json(), "max_queue"));
        var info = ServeFixture.send(HttpRequest.newBuilder(url.resolve("/api/model")).GET());
        assertEquals("default", info.json().get("name"));
        t.interrupt();
        t.join(20_000);
        assertFalse(t.isAlive(), "svg serve did not stop");
        assertEquals(0, exit.get(), run.err().toString());
    }

    @Test
    void badOptionsAndABusyPortAreOneErrorLine() throws Exception {
        Run q = commandLine();
        assertEquals(1, q.cl().execute("serve", "--max-queue", "-1"));
        assertTrue(q.err().toString().startsWith("error: --max-queue must be >= 0"), q.err().toString());
        Run p = commandLine();
        assertEquals(1, p.cl().execute("serve", "--port", "70000"));
        assertTrue(p.err().toString().contains("--port must be in 0..65535"), p.err().toString());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run b = commandLine();
            assertEquals(1, b.cl().execute("serve", "--port", Integer.toString(taken.getLocalPort())));
            String err = b.err().toString();
            assertTrue(err.startsWith("error: cannot listen on 127.0.0.1:" + taken.getLocalPort()), err);
            assertEquals(1, err.lines().filter(l -> !l.startsWith("  caused by")).count(), "one line, no stack trace: " + err);
        }
    }
}
