package svg.app.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that the API refuses: the HTTP status, a message for the {@code {"error": ...}} body and, for a bad
 * field, its name (the message starts with it: {@code "n: must be an integer in 1..16, got 40"}). A full queue adds
 * the seconds for {@code Retry-After}. Never carries a stack trace to the client.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String field;
    final long retryAfterSeconds;

    private ApiException(int status, String field, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 for one field: the message becomes "field: problem". */
    static ApiException badField(String field, String problem) {
        return new ApiException(400, field, field + ": " + problem, 0);
    }

    static ApiException of(int status, String message) {
        return new ApiException(status, null, message, 0);
    }

    /** 429: the queue is full; try again after about {@code seconds}. */
    static ApiException queueFull(int maxQueue, long seconds) {
        return new ApiException(429, null, "the queue is full (" + maxQueue + " waiting requests and one running); retry after "
                + seconds + " s", seconds);
    }

    /** The JSON body: {"error": message} plus "field" when one field is at fault. */
    Map<String, Object> body() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", getMessage());
        if (field != null) m.put("field", field);
        return m;
    }
}
