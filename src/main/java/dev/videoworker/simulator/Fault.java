package dev.videoworker.simulator;

/**
 * A failure the simulator injects into an API call instead of (or in the middle of) its answer; see
 * {@link FaultSettings} for how often. Draws follow the order of the constants, so new ones go at the end: a seed
 * then still gives the same sequence of the older faults.
 */
public enum Fault {
    /** 429 {@code rate_limit_exceeded} with {@code Retry-After} and {@code retry-after-ms}. */
    RATE_LIMIT(null),
    /** 500 {@code server_error}. */
    SERVER_ERROR(null),
    /** 503 {@code service_unavailable} with {@code Retry-After} and {@code retry-after-ms}. */
    UNAVAILABLE(null),
    /** The connection is closed without an answer (a create may or may not have made its video). */
    RESET(null),
    /** No answer for {@link FaultSettings#stallDuration()}, then the connection is closed. */
    STALL(null),
    /** Content only: the body ends (connection closed) halfway through the announced length. */
    TRUNCATE(Endpoint.CONTENT),
    /** Content only: the body is spread over {@link FaultSettings#slowContentDuration()}. */
    SLOW_CONTENT(Endpoint.CONTENT),
    /** Create only: the video is made, but a gateway answers 504 with its own HTML page instead. */
    CREATE_LOST_504(Endpoint.CREATE),
    /** Create only: the video is made, then the connection is closed without an answer. */
    CREATE_RESET(Endpoint.CREATE),
    /**
     * Create only: the video is made, and the answer is held back for {@link FaultSettings#createStallDuration()}
     * (sent then if the client is still waiting).
     */
    CREATE_STALL(Endpoint.CREATE),
    /**
     * List only, and only a page asked for after a cursor ({@code after}): 404 for the cursor, as when the video it
     * names was deleted after the previous page was read (by whoever stored it). Nothing is deleted.
     */
    LIST_CURSOR_GONE(Endpoint.LIST);

    /** The one endpoint the fault can hit; null: any. */
    private final Endpoint only;

    Fault(Endpoint only) {
        this.only = only;
    }

    /** Whether the fault exists only for {@code GET /v1/videos/{id}/content}. */
    public boolean contentOnly() {
        return only == Endpoint.CONTENT;
    }

    /** Whether it can hit {@code endpoint}. */
    public boolean appliesTo(Endpoint endpoint) {
        return only == null || only == endpoint;
    }
}
