package svg.app;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class ProgressBarTest {
    /** A clock advanced by hand, in seconds. */
    private static final class Clock {
        long nanos;

        void advance(double s) { nanos += (long) (s * 1e9); }
    }

    @Test
    void interactiveRedrawsWithCarriageReturns() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Clock c = new Clock();
        try (ProgressBar p = new ProgressBar("sample", 10, new PrintStream(buf, true), true, () -> c.nanos, 10)) {
            for (int i = 0; i < 10; i++) {
                c.advance(0.5);
                p.step();
            }
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("\r"), s);
        assertTrue(s.contains("10/10") && s.contains("2.00 it/s") && s.contains("in 0:05"), s);
        assertTrue(s.endsWith(System.lineSeparator()), "the final state ends the line");
    }

    @Test
    void etaFromRate() {
        Clock c = new Clock();
        ProgressBar p = new ProgressBar("", 100, new PrintStream(new ByteArrayOutputStream()), true, () -> c.nanos, 10);
        c.advance(10);
        p.step(25);
        String l = p.line(c.nanos);
        assertTrue(l.contains("25/100") && l.contains("2.50 it/s") && l.contains("ETA 0:30"), l);
        assertTrue(l.contains("[#######......"), l);
    }

    @Test
    void quietModePrintsOccasionalLinesWithoutCarriageReturns() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Clock c = new Clock();
        try (ProgressBar p = new ProgressBar("train", 1000, new PrintStream(buf, true), false, () -> c.nanos, 10)) {
            for (int i = 0; i < 1000; i++) {
                c.advance(0.1); // 100 s in all -> about 10 lines, not 1000
                p.step();
            }
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        assertFalse(s.contains("\r"), s);
        long lines = s.lines().count();
        assertTrue(lines >= 5 && lines <= 12, lines + " lines:\n" + s);
        assertTrue(s.strip().endsWith("in 1:40"), s);
    }

    @Test
    void unknownTotalShowsCountAndSlowRates() {
        Clock c = new Clock();
        ProgressBar p = new ProgressBar("x", 0, new PrintStream(new ByteArrayOutputStream()), false, () -> c.nanos, 10);
        c.advance(8);
        p.step(2);
        String l = p.line(c.nanos);
        assertTrue(l.startsWith("x 2 ") && l.contains("4.00 s/it") && !l.contains("ETA"), l);
        assertEquals("1:01:01", ProgressBar.duration(3661));
    }
}
