package svg.tensor.parallel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel-thread team behind {@link Parallel#forChunks}: every chunk once, errors, nesting, concurrent callers. */
class TeamTest {
    private int saved;

    @BeforeEach
    void save() { saved = Parallel.threads(); }

    @AfterEach
    void restore() { Parallel.setThreads(saved); }

    /** Runs a region of n indices in chunks of grain and returns how often each index ran. */
    private static AtomicIntegerArray cover(int n, int grain) {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        Parallel.forChunks(n, grain, (s, e) -> {
            assertEquals(0, s % grain, "chunk start on the grain");
            assertTrue(e - s == grain || e == n, "only the last chunk is short");
            for (int i = s; i < e; i++) seen.incrementAndGet(i);
        });
        return seen;
    }

    @Test
    void everyIndexRunsExactlyOnceForAnyTeamSizeAndShape() {
        for (int threads : new int[]{1, 2, 3, 5}) {
            Parallel.setThreads(threads);
            for (int rep = 0; rep < 200; rep++) // many short regions: workers spinning, parking and waking in between
                for (int[] ng : new int[][]{{1, 1}, {2, 1}, {7, 3}, {100, 1}, {1000, 7}, {5, 100}}) {
                    AtomicIntegerArray seen = cover(ng[0], ng[1]);
                    for (int i = 0; i < ng[0]; i++) assertEquals(1, seen.get(i), "index " + i + " of " + ng[0] + ", threads " + threads);
                }
        }
    }

    @Test
    void bothThreadsTakePartAndEachKeepsItsOwnBlockWhenNobodyIsLate() throws Exception {
        Parallel.setThreads(2);
        // chunks that take long enough for the worker to arrive: each member starts on its own half
        Set<String> firstHalf = ConcurrentHashMap.newKeySet(), secondHalf = ConcurrentHashMap.newKeySet();
        for (int rep = 0; rep < 20; rep++)
            Parallel.forChunks(8, 1, (s, e) -> {
                (s < 4 ? firstHalf : secondHalf).add(Thread.currentThread().getName());
                long t0 = System.nanoTime();
                while (System.nanoTime() - t0 < 200_000) Thread.onSpinWait();
            });
        assertTrue(firstHalf.contains(Thread.currentThread().getName()), "the caller works on the first block");
        assertTrue(secondHalf.contains("svg-kernel"), "a team thread works on the second block");
    }

    @Test
    void anExceptionInAChunkReachesTheCallerAndTheTeamStaysUsable() {
        Parallel.setThreads(2);
        IllegalStateException boom = new IllegalStateException("chunk 5 failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forChunks(10, 1, (s, e) -> {
            if (s == 5) throw boom;
        }));
        assertSame(boom, thrown);
        AtomicIntegerArray seen = cover(50, 2);
        for (int i = 0; i < 50; i++) assertEquals(1, seen.get(i));
    }

    @Test
    void nestedRegionsRunInlineOnTheirThread() {
        Parallel.setThreads(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(16 * 16);
        Parallel.forChunks(16, 1, (s, e) -> {
            String outer = Thread.currentThread().getName();
            Parallel.forChunks(16, 1, (s2, e2) -> {
                assertEquals(outer, Thread.currentThread().getName(), "a nested region does not fan out");
                seen.incrementAndGet(s * 16 + s2);
            });
        });
        for (int i = 0; i < 256; i++) assertEquals(1, seen.get(i));
    }

    @Test
    void callersOnSeveralThreadsAtOnceEachGetAllTheirChunks() throws Exception {
        Parallel.setThreads(2);
        List<Thread> callers = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                try {
                    for (int rep = 0; rep < 300; rep++) {
                        AtomicIntegerArray seen = cover(37, 2);
                        for (int i = 0; i < 37; i++) assertEquals(1, seen.get(i));
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            callers.add(th);
            th.start();
        }
        for (Thread th : callers) th.join(60_000);
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
    }
}
