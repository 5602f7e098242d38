package svg.app.serve;

import org.junit.jupiter.api.Test;
import svg.nn.flow.SamplerOptions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The queue alone, with a stand-in generator: order, one generation at a time, 429, batching, cancellation, failures, close. */
class JobQueueTest {
    static GenerateRequest request(long seed) {
        return request(seed, 1, 3);
    }

    static GenerateRequest request(long seed, int n, int steps) {
        return new GenerateRequest(0, "a", n, SamplerOptions.defaults().withSteps(steps), seed);
    }

    /**
     * A generator that reports {@code steps} steps, each waiting for {@code gate} (or 5 ms when null), and records
     * the seeds of each group it ran.
     */
    static JobQueue.Generator stepping(int steps, CountDownLatch gate, List<List<Long>> groups, AtomicInteger concurrent, AtomicInteger maxConcurrent) {
        return (group, p) -> {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            try {
                for (int i = 1; i <= steps; i++) {
                    try {
                        if (gate != null) assertTrue(gate.await(10, TimeUnit.SECONDS));
                        else Thread.sleep(5);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    p.onProgress("sample", i, steps);
                }
                groups.add(group.stream().map(GenerateRequest::seed).toList());
                return group.stream().map(r -> List.of(new byte[]{(byte) r.seed()})).toList();
            } finally {
                concurrent.decrementAndGet();
            }
        };
    }

    @Test
    void runsOneGenerationAtATimeInArrivalOrder() throws Exception {
        List<List<Long>> groups = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger concurrent = new AtomicInteger(), max = new AtomicInteger();
        try (JobQueue q = new JobQueue(10, 1, stepping(3, null, groups, concurrent, max))) {
            List<JobQueue.Job> jobs = new ArrayList<>();
            for (long s = 0; s < 8; s++) jobs.add(q.submit(request(s)));
            for (JobQueue.Job j : jobs) assertArrayEquals(new byte[]{(byte) j.request.seed()}, j.result.get(10, TimeUnit.SECONDS).getFirst());
            assertEquals(List.of(List.of(0L), List.of(1L), List.of(2L), List.of(3L), List.of(4L), List.of(5L), List.of(6L), List.of(7L)), groups);
            assertEquals(1, max.get(), "never two generations at once");
            JobQueue.Stats s = q.stats();
            assertEquals(8, s.completed());
            assertEquals(8, s.generations());
            assertEquals(8, s.images());
            assertEquals(0, s.running());
            assertEquals(0, s.waiting());
        }
    }

    /** Waiting requests with the head's settings join it while the images fit in a batch; others keep their turn. */
    @Test
    void smallRequestsWithEqualSettingsShareABatch() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<List<Long>> groups = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger c = new AtomicInteger(), m = new AtomicInteger();
        try (JobQueue q = new JobQueue(10, 4, stepping(2, gate, groups, c, m))) {
            JobQueue.Job first = q.submit(request(1, 2, 3));
            while (first.state != JobQueue.State.RUNNING) Thread.sleep(1);
            List<JobQueue.Job> jobs = List.of(
                    q.submit(request(10, 1, 3)),   // head of the next group
                    q.submit(request(11, 2, 3)),   // joins: 3 images
                    q.submit(request(12, 1, 5)),   // other steps: not with 10
                    q.submit(request(13, 2, 3)),   // would make 5: waits
                    q.submit(request(14, 1, 3)),   // joins: 4 images
                    q.submit(request(15, 4, 3)));  // alone (a full batch)
            gate.countDown();
            for (JobQueue.Job j : jobs) j.result.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(List.of(1L), List.of(10L, 11L, 14L), List.of(12L), List.of(13L), List.of(15L)), groups);
            assertEquals(3, jobs.getFirst().batchedWith);
            assertEquals(1, jobs.get(2).batchedWith);
            assertEquals(5, q.stats().generations());
            assertEquals(7, q.stats().completed());
        }
    }

    @Test
    void fullQueueRefusesWith429AndCancelledJobsLeaveIt() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<List<Long>> groups = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger c = new AtomicInteger(), m = new AtomicInteger();
        try (JobQueue q = new JobQueue(2, 1, stepping(2, gate, groups, c, m))) {
            JobQueue.Job running = q.submit(request(1));
            while (running.state != JobQueue.State.RUNNING) Thread.sleep(1);
            JobQueue.Job w1 = q.submit(request(2)), w2 = q.submit(request(3));
            assertEquals(1, w1.position());
            assertEquals(2, w2.position());
            ApiException full = assertThrows(ApiException.class, () -> q.submit(request(4)));
            assertEquals(429, full.status);
            assertTrue(full.retryAfterSeconds >= 1);
            assertEquals(1, q.stats().rejected());

            // a waiting job that is cancelled leaves at once and makes room
            w1.cancel("client left");
            assertThrows(CancellationException.class, () -> w1.result.get(1, TimeUnit.SECONDS));
            assertEquals(JobQueue.State.CANCELLED, w1.state);
            assertEquals(1, w2.position());
            JobQueue.Job w3 = q.submit(request(5));

            // a running job stops at its next step
            running.cancel("client left");
            gate.countDown();
            assertThrows(CancellationException.class, () -> running.result.get(10, TimeUnit.SECONDS));
            assertEquals(JobQueue.State.CANCELLED, running.state);
            w2.result.get(10, TimeUnit.SECONDS);
            w3.result.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(List.of(3L), List.of(5L)), groups, "the cancelled jobs never finished");
            JobQueue.Stats s = q.stats();
            assertEquals(2, s.cancelled());
            assertEquals(2, s.completed());
            // cancelling a finished job changes nothing
            w2.cancel("late");
            assertEquals(JobQueue.State.DONE, w2.state);
        }
    }

    /** One cancelled member of a running group is dropped, the others get their images; all cancelled stops the group. */
    @Test
    void cancellingInsideABatch() throws Exception {
        CountDownLatch hold = new CountDownLatch(1), hold2 = new CountDownLatch(1), gate = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicInteger steps = new AtomicInteger();
        try (JobQueue q = new JobQueue(10, 4, (group, p) -> {
            try {
                if (group.getFirst().seed() == 0) assertTrue(hold.await(10, TimeUnit.SECONDS));
                if (group.getFirst().seed() == 1) assertTrue(hold2.await(10, TimeUnit.SECONDS));
                for (int i = 1; i <= 50; i++) {
                    long first = group.getFirst().seed();
                    // neither group may finish before the test has cancelled its members
                    if (first >= 10 && first < 20) assertTrue(cancelled.await(10, TimeUnit.SECONDS));
                    if (first >= 20) assertTrue(gate.await(10, TimeUnit.SECONDS));
                    p.onProgress("sample", i, 50);
                    steps.incrementAndGet();
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return group.stream().map(r -> List.of(new byte[]{(byte) r.seed()})).toList();
        })) {
            JobQueue.Job blocker = q.submit(request(0));
            while (blocker.state != JobQueue.State.RUNNING) Thread.sleep(1);
            JobQueue.Job a = q.submit(request(10)), b = q.submit(request(11));
            hold.countDown();
            blocker.result.get(10, TimeUnit.SECONDS);
            a.cancel("client left"); // may be running with b already, or still waiting: either way b is served
            cancelled.countDown();
            assertArrayEquals(new byte[]{11}, b.result.get(10, TimeUnit.SECONDS).getFirst());
            assertThrows(CancellationException.class, () -> a.result.get(10, TimeUnit.SECONDS));

            JobQueue.Job blocker2 = q.submit(request(1));
            while (blocker2.state != JobQueue.State.RUNNING) Thread.sleep(1);
            JobQueue.Job x = q.submit(request(20)), y = q.submit(request(21));
            hold2.countDown();
            while (x.state != JobQueue.State.RUNNING) Thread.sleep(1);
            assertEquals(2, x.batchedWith);
            int before = steps.get();
            x.cancel("gone");
            y.cancel("gone");
            gate.countDown();
            assertThrows(CancellationException.class, () -> x.result.get(10, TimeUnit.SECONDS));
            assertThrows(CancellationException.class, () -> y.result.get(10, TimeUnit.SECONDS));
            assertTrue(steps.get() - before <= 1, "the group stopped at its next step");
            assertEquals(3, q.stats().cancelled());
        }
    }

    @Test
    void aFailingJobFailsAloneAndCloseCancelsTheRest() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        JobQueue q = new JobQueue(4, 1, (group, p) -> {
            if (group.getFirst().seed() == 1) throw new OutOfMemoryError("Java heap space");
            try {
                assertTrue(gate.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            p.onProgress("sample", 1, 1);
            return List.of(List.of(new byte[0]));
        });
        JobQueue.Job bad = q.submit(request(1)), slow = q.submit(request(2)), queued = q.submit(request(3));
        ExecutionException e = assertThrows(ExecutionException.class, () -> bad.result.get(10, TimeUnit.SECONDS));
        assertInstanceOf(OutOfMemoryError.class, e.getCause());
        while (slow.state != JobQueue.State.RUNNING) Thread.sleep(1);
        Thread closer = Thread.ofPlatform().start(q::close); // waits for the running job to reach its next step
        while (slow.cancelReason == null) Thread.sleep(1);
        gate.countDown();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertThrows(CancellationException.class, () -> slow.result.get(10, TimeUnit.SECONDS));
        assertThrows(CancellationException.class, () -> queued.result.get(10, TimeUnit.SECONDS));
        assertEquals(1, q.stats().failed());
        ApiException closed = assertThrows(ApiException.class, () -> q.submit(request(4)));
        assertEquals(503, closed.status);
    }
}
