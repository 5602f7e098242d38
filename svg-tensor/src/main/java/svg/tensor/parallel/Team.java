package svg.tensor.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernel threads behind {@link Parallel#forChunks}: a fixed team that runs one region at a time, with the caller
 * as one of its members.
 *
 * <p>Why not an {@code ExecutorService}: a region of a training step is often 20-100 microseconds of work, and a
 * pool thread parked in a queue takes about as long to wake up (futex and inter-processor interrupt, slower still
 * in a VM). The caller then ran every chunk itself and waited for the late helper besides, so two threads were
 * slower than one (a decoder training step 0.43 s on 2 threads against 0.35 s on 1; a region of two 16 us
 * chunks 57 us instead of 32). Here the workers spin for a short while after each region before they park, so that
 * back-to-back regions find them awake, and the caller waits only for chunks that were claimed, never for a member
 * that found no work.
 *
 * <p>Each chunk runs entirely on one thread, whichever it is, so results do not depend on who runs what (the
 * determinism policy of {@link Parallel}).
 */
final class Team {
    /** How long an idle worker, or a caller waiting for the last chunks, spins before it parks. */
    static final long SPIN_NS = Long.getLong("svg.parallel.spinMicros", 50L) * 1000L;

    /**
     * One region: the chunks of [0, n) and their bookkeeping. Member i of the team owns the i-th of {@code members}
     * equal blocks of chunks and runs them front to back; a member done with its own block takes chunks from the
     * back of the others'. So when nobody is late, member i gets the same part of every equally sized region, and
     * consecutive ops over the same tensors find their data in the cache of the core that wrote it (between the two
     * cores of the VM measured, a cache line takes ~235 ns to move, and handing chunks out first come, first served
     * moved most of an activation across at every op).
     */
    static final class Job {
        final Parallel.RangeBody body;
        final int n, grain, chunks, members;
        /** Per block: (next chunk from the front) << 32 | (one past the last unclaimed chunk). */
        final java.util.concurrent.atomic.AtomicLongArray blocks;
        final AtomicInteger done = new AtomicInteger();
        final Thread caller;
        volatile Throwable error;

        Job(Parallel.RangeBody body, int n, int grain, int chunks, int members, Thread caller) {
            this.body = body;
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.members = members;
            this.caller = caller;
            blocks = new java.util.concurrent.atomic.AtomicLongArray(members);
            for (int b = 0; b < members; b++) {
                long lo = (long) chunks * b / members, hi = (long) chunks * (b + 1) / members;
                blocks.set(b, lo << 32 | hi);
            }
        }

        /** The next chunk of block b from its front (its owner) or its back (a helper), or -1 when none is left. */
        private int claim(int b, boolean front) {
            while (true) {
                long s = blocks.get(b);
                int lo = (int) (s >>> 32), hi = (int) s;
                if (lo >= hi) return -1;
                long t = front ? (long) (lo + 1) << 32 | hi : (long) lo << 32 | (hi - 1);
                if (blocks.compareAndSet(b, s, t)) return front ? lo : hi - 1;
            }
        }

        /** Member {@code me} runs its own block, then helps with the others'; after a failure chunks are only counted. */
        void work(int me) {
            for (int k = 0; k < members; k++) {
                int b = (me + k) % members, c;
                while ((c = claim(b, k == 0)) >= 0) {
                    try {
                        if (error == null) body.run(c * grain, Math.min(n, (c + 1) * grain));
                    } catch (Throwable t) {
                        synchronized (this) { if (error == null) error = t; }
                    }
                    if (done.incrementAndGet() == chunks) LockSupport.unpark(caller);
                }
            }
        }
    }

    private final Thread[] workers;
    private final boolean[] sleeping;
    private final ReentrantLock busy = new ReentrantLock();
    private volatile Job job;
    private volatile long generation;
    private volatile boolean stopped;

    Team(int helpers) {
        workers = new Thread[helpers];
        sleeping = new boolean[helpers];
        for (int i = 0; i < helpers; i++) {
            int id = i;
            Thread t = new Thread(() -> loop(id), "svg-kernel");
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /**
     * Runs the chunks of a region with the team, the calling thread included, and returns true; or returns false at
     * once when the team is running another caller's region (the caller then runs its chunks alone).
     */
    boolean run(int n, int grain, int chunks, Parallel.RangeBody body) {
        if (!busy.tryLock()) return false;
        try {
            Job j = new Job(body, n, grain, chunks, workers.length + 1, Thread.currentThread());
            job = j;
            generation = generation + 1; // written only under the lock
            int wake = Math.min(workers.length, chunks - 1);
            for (int i = 0; i < wake; i++) if (isSleeping(i)) LockSupport.unpark(workers[i]);
            j.work(0);
            long t0 = System.nanoTime();
            while (j.done.get() < chunks) {
                if (System.nanoTime() - t0 < SPIN_NS) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 200_000L); // the member that finishes the last chunk unparks us
            }
            job = null; // do not keep the body (and what it captured) alive
            Throwable e = j.error;
            if (e instanceof RuntimeException re) throw re;
            if (e instanceof Error er) throw er;
            if (e != null) throw new RuntimeException(e);
            return true;
        } finally {
            busy.unlock();
        }
    }

    private boolean isSleeping(int i) {
        synchronized (sleeping) { return sleeping[i]; }
    }

    private void setSleeping(int i, boolean v) {
        synchronized (sleeping) { sleeping[i] = v; }
    }

    private void loop(int id) {
        long seen = generation;
        while (!stopped) {
            long g = generation;
            if (g == seen) {
                long t0 = System.nanoTime();
                while ((g = generation) == seen && !stopped && System.nanoTime() - t0 < SPIN_NS) Thread.onSpinWait();
                if (g == seen && !stopped) {
                    // announce the nap, then look once more: a caller that published before seeing the flag is seen
                    // here, one that publishes after it sees the flag and unparks us
                    setSleeping(id, true);
                    if (generation == seen && !stopped) LockSupport.park(this);
                    setSleeping(id, false);
                    continue;
                }
            }
            seen = g;
            Job j = job;
            if (j != null) j.work(id + 1);
        }
    }

    /** Stops the workers (they finish the region they are in); the team cannot run regions afterwards. */
    void stop() {
        stopped = true;
        for (Thread t : workers) LockSupport.unpark(t);
    }
}
