package dev.videoworker.poll;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/**
 * Timers for what waits as long as a job does (a retry of a delete, a resume after a failed write; a job's next poll
 * waits in {@link WaitQueue}, which sets its one timer on an event loop of its own). {@code vertx.setTimer} keeps the
 * context it is called from: a job's previous step's duplicated context (a Kafka record's, an HTTP response's) with
 * all it carries (tracing and logging data, ~0.5 KB), for as long as the job waits; 25 MB at 50,000 jobs in flight.
 * These timers hold the event loop's own context only, and run their handler on a new duplicated context of its own.
 */
final class WaitTimers {

    private WaitTimers() {
    }

    /**
     * Runs {@code handler} once after {@code delayMillis} (at least 1) on the current event loop, or on one Vert.x
     * picks off it. Returns the timer's id ({@code vertx.cancelTimer}). Uses Vert.x's {@code ContextInternal}: no
     * public API of Vert.x 4 sets a timer on a context other than the current one.
     */
    static long set(Vertx vertx, long delayMillis, Handler<Long> handler) {
        ContextInternal loop = ((ContextInternal) vertx.getOrCreateContext()).unwrap();
        return loop.setTimer(delayMillis, id -> loop.duplicate().dispatch(id, handler));
    }
}
