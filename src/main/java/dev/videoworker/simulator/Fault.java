package dev.videoworker.simulator;

/**
 * A failure the simulator injects into an API call instead of (or in the middle of) its answer; see
 * {@link FaultSettings} for how often.
 */
public enum Fault {
    /** 429 {@code rate_limit_exceeded} with {@code Retry-After} and {@code retry-after-ms}. */
    RATE_LIMIT(false),
    /** 500 {@code server_error}. */
    SERVER_ERROR(false),
    /** 503 {@code service_unavailable} with {@code Retry-After} and {@code retry-after-ms}. */
    UNAVAILABLE(false),
    /** The connection is closed without an answer. */
    RESET(false),
    /** No answer for {@link FaultSettings#stallDuration()}, then the connection is closed. */
    STALL(false),
    /** Content only: the body ends (connection closed) halfway through the announced length. */
    TRUNCATE(true),
    /** Content only: the body is spread over {@link FaultSettings#slowContentDuration()}. */
    SLOW_CONTENT(true);

    private final boolean contentOnly;

    Fault(boolean contentOnly) {
        this.contentOnly = contentOnly;
    }

    /** Whether the fault exists only for {@code GET /v1/videos/{id}/content}. */
    public boolean contentOnly() {
        return contentOnly;
    }

    /** Whether it can hit {@code endpoint}. */
    public boolean appliesTo(Endpoint endpoint) {
        return !contentOnly || endpoint == Endpoint.CONTENT;
    }
}
