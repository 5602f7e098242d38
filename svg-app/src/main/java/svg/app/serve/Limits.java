package svg.app.serve;

/**
 * What one server accepts: images per request ({@code maxN}), sampler steps ({@code maxSteps}), request body bytes
 * ({@code maxBodyBytes}) and requests waiting behind the running one ({@code maxQueue}; a further request gets 429).
 */
record Limits(int maxN, int maxSteps, int maxBodyBytes, int maxQueue) {
    static final int DEFAULT_MAX_N = 16, DEFAULT_MAX_STEPS = 100, DEFAULT_MAX_BODY = 4096, DEFAULT_MAX_QUEUE = 8;

    Limits {
        if (maxN < 1) throw new IllegalArgumentException("max n must be >= 1, got " + maxN);
        if (maxSteps < 1) throw new IllegalArgumentException("max steps must be >= 1, got " + maxSteps);
        if (maxBodyBytes < 64) throw new IllegalArgumentException("max body must be >= 64 bytes, got " + maxBodyBytes);
        if (maxQueue < 0) throw new IllegalArgumentException("max queue must be >= 0, got " + maxQueue);
    }

    static Limits defaults() {
        return new Limits(DEFAULT_MAX_N, DEFAULT_MAX_STEPS, DEFAULT_MAX_BODY, DEFAULT_MAX_QUEUE);
    }

    Limits withMaxQueue(int q) { return new Limits(maxN, maxSteps, maxBodyBytes, q); }
}
