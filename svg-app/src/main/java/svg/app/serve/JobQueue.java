package svg.app.serve;

import svg.nn.pipeline.ProgressListener;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One generation at a time, in arrival order: a single worker thread runs the jobs, at most {@code maxWaiting} wait
 * behind the running ones, and {@link #submit} refuses more ({@link ApiException} 429 with a Retry-After estimate).
 *
 * <p>Small requests are batched: when the job at the head asks for fewer than {@code batchImages} images, waiting
 * jobs with the same sampler settings join it (in arrival order, while the images fit) and the group runs as one
 * sampler batch. On the CPU a batch of 4 images costs far less than 4 batches of 1 (docs/serve.md), and every image
 * still comes from its own noise stream (seed, index), so its bytes do not depend on the company it ran in.
 *
 * <p>A job is cancelled with {@link Job#cancel}: a waiting job leaves the queue; a running group stops at its next
 * sampler step (the generator's {@link ProgressListener} throws) once every job in it is cancelled, and otherwise
 * finishes for the others while the cancelled job's images are dropped. So a client that goes away frees the CPU.
 */
final class JobQueue implements AutoCloseable {

    /**
     * Runs a group of requests with equal sampler settings as one generation: the PNG bytes of each request's images,
     * in order. Reports progress to, and is stopped by, {@code progress}.
     */
    @FunctionalInterface
    interface Generator {
        List<List<byte[]>> generate(List<GenerateRequest> group, ProgressListener progress);
    }

    enum State { WAITING, RUNNING, DONE, FAILED, CANCELLED }

    /** Thrown from the progress listener of a cancelled group; it unwinds the sampler. */
    static final class Cancelled extends RuntimeException {
        Cancelled(String why) { super(why, null, false, false); }
    }

    /** One request in the queue. Its state and progress are read by the HTTP thread that waits for it. */
    final class Job {
        final GenerateRequest request;
        final CompletableFuture<List<byte[]>> result = new CompletableFuture<>();
        final long submittedNanos = System.nanoTime();
        volatile State state = State.WAITING;
        volatile String phase = "queued";
        volatile int done, total;
        /** Requests in the generation this job ran in (1 when alone). */
        volatile int batchedWith;
        volatile String cancelReason;
        volatile long startedNanos, endedNanos;

        private Job(GenerateRequest request) { this.request = request; }

        /** Jobs (or running groups) ahead of this one; 0 while it runs or after. */
        int position() {
            synchronized (JobQueue.this) {
                if (state != State.WAITING) return 0;
                int i = 0;
                for (Job j : waiting) {
                    if (j == this) return i + (running.isEmpty() ? 0 : 1);
                    i++;
                }
                return 0;
            }
        }

        /** Stops the job: removed if waiting, dropped (and its group stopped when no one else needs it) if running. */
        void cancel(String why) {
            boolean removed;
            synchronized (JobQueue.this) {
                if (state == State.DONE || state == State.FAILED || state == State.CANCELLED) return;
                cancelReason = why;
                removed = waiting.remove(this);
                if (removed) state = State.CANCELLED;
            }
            if (removed) {
                cancelled.incrementAndGet();
                result.completeExceptionally(new CancellationException(why));
            }
        }
    }

    private final Generator generator;
    private final int maxWaiting, batchImages;
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final List<Job> running = new ArrayList<>();
    private final Thread worker;
    private boolean closed;
    private final AtomicLong completed = new AtomicLong(), cancelled = new AtomicLong(), failed = new AtomicLong(),
            rejected = new AtomicLong(), images = new AtomicLong(), generations = new AtomicLong();
    /** Exponential moving average of seconds per generation, for Retry-After; -1 until one has finished. */
    private volatile double avgSeconds = -1;
    private volatile double busySeconds;

    /** {@code batchImages}: groups of small requests are formed up to this many images (1: never group). */
    JobQueue(int maxWaiting, int batchImages, Generator generator) {
        if (maxWaiting < 0) throw new IllegalArgumentException("max queue must be >= 0, got " + maxWaiting);
        if (batchImages < 1) throw new IllegalArgumentException("batch images must be >= 1, got " + batchImages);
        this.maxWaiting = maxWaiting;
        this.batchImages = batchImages;
        this.generator = generator;
        this.worker = Thread.ofPlatform().name("svg-serve-worker").daemon(true).unstarted(this::work);
        worker.start();
    }

    /** Queues a request, or throws 429 when {@code maxWaiting} requests already wait (503 once closed). */
    Job submit(GenerateRequest request) {
        Job job = new Job(request);
        synchronized (this) {
            if (closed) throw ApiException.of(503, "the server is shutting down");
            // a job is taken at once when the worker is idle; otherwise it waits, if there is room
            boolean idle = running.isEmpty() && waiting.isEmpty();
            if (!idle && waiting.size() >= maxWaiting) {
                rejected.incrementAndGet();
                throw ApiException.queueFull(maxWaiting, retryAfterSeconds());
            }
            waiting.addLast(job);
            notifyAll();
        }
        return job;
    }

    /** Seconds until a place in the queue is likely to free: about one generation's time, at least 1. */
    private long retryAfterSeconds() {
        double avg = avgSeconds;
        return Math.max(1, Math.min(3600, (long) Math.ceil(avg < 0 ? 1 : avg)));
    }

    private void work() {
        while (true) {
            List<Job> group = new ArrayList<>();
            synchronized (this) {
                while (waiting.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        if (closed) return;
                    }
                }
                if (closed) return;
                Job head = waiting.removeFirst();
                group.add(head);
                int imagesInGroup = head.request.n();
                if (imagesInGroup < batchImages) {
                    for (Iterator<Job> it = waiting.iterator(); it.hasNext() && imagesInGroup < batchImages; ) {
                        Job j = it.next();
                        if (j.request.options().equals(head.request.options()) && imagesInGroup + j.request.n() <= batchImages) {
                            it.remove();
                            group.add(j);
                            imagesInGroup += j.request.n();
                        }
                    }
                }
                for (Job j : group) {
                    j.state = State.RUNNING;
                    j.phase = "sample";
                    j.batchedWith = group.size();
                }
                running.addAll(group);
            }
            run(group);
        }
    }

    private void run(List<Job> group) {
        long t0 = System.nanoTime();
        for (Job j : group) j.startedNanos = t0;
        ProgressListener listener = (phase, done, total) -> {
            String reason = allCancelled(group);
            if (reason != null) throw new Cancelled(reason);
            for (Job j : group) {
                j.phase = phase;
                j.total = total;
                j.done = done;
            }
        };
        List<GenerateRequest> requests = group.stream().map(j -> j.request).toList();
        try {
            String reason = allCancelled(group);
            if (reason != null) throw new Cancelled(reason);
            List<List<byte[]>> pngs = generator.generate(requests, listener);
            if (pngs.size() != group.size()) throw new IllegalStateException("the generator answered " + pngs.size() + " of " + group.size() + " requests");
            double secs = (System.nanoTime() - t0) / 1e9;
            busySeconds += secs;
            avgSeconds = avgSeconds < 0 ? secs : 0.8 * avgSeconds + 0.2 * secs;
            generations.incrementAndGet();
            for (int i = 0; i < group.size(); i++) {
                Job j = group.get(i);
                if (j.cancelReason != null) {
                    finish(j, State.CANCELLED);
                    cancelled.incrementAndGet();
                    j.result.completeExceptionally(new CancellationException(j.cancelReason));
                } else {
                    finish(j, State.DONE);
                    completed.incrementAndGet();
                    images.addAndGet(pngs.get(i).size());
                    j.result.complete(pngs.get(i));
                }
            }
        } catch (Cancelled e) {
            for (Job j : group) {
                finish(j, State.CANCELLED);
                cancelled.incrementAndGet();
                j.result.completeExceptionally(new CancellationException(j.cancelReason != null ? j.cancelReason : e.getMessage()));
            }
        } catch (Throwable t) {
            // out of memory or a bug: these jobs fail, the worker goes on
            for (Job j : group) {
                finish(j, State.FAILED);
                failed.incrementAndGet();
                j.result.completeExceptionally(t);
            }
        }
    }

    /** The reason when every job of the group is cancelled, else null. */
    private static String allCancelled(List<Job> group) {
        String reason = null;
        for (Job j : group) {
            if (j.cancelReason == null) return null;
            reason = j.cancelReason;
        }
        return reason;
    }

    /** Marks the job finished (and no longer running) before its future completes, so its client may send the next at once. */
    private void finish(Job job, State state) {
        job.endedNanos = System.nanoTime();
        synchronized (this) {
            job.state = state;
            running.remove(job);
        }
    }

    /** What /health reports: jobs running (one generation, possibly a batched group) and waiting, and counters. */
    record Stats(int running, int waiting, int maxWaiting, long completed, long cancelled, long failed,
                 long rejected, long images, long generations, double busySeconds) {}

    synchronized Stats stats() {
        return new Stats(running.size(), waiting.size(), maxWaiting, completed.get(), cancelled.get(), failed.get(),
                rejected.get(), images.get(), generations.get(), busySeconds);
    }

    /** Cancels every job and stops the worker (a running generation stops at its next step). */
    @Override
    public void close() {
        List<Job> all;
        synchronized (this) {
            if (closed) return;
            all = new ArrayList<>(waiting);
            all.addAll(running);
            closed = true;
            notifyAll();
        }
        for (Job j : all) j.cancel("the server is shutting down");
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
