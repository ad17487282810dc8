package dev.videoworker.poll;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * The waits of many jobs (their next polls) on one Vert.x timer, set for the earliest of them. A Vert.x timer per
 * waiting job costs ~250 bytes (its handler, Netty's scheduled task, two lambdas, an entry in Vert.x's timer table);
 * a wait here is its own small object and a slot in a heap. Each wait runs on the event loop it was added from, on a
 * fresh duplicated context (nothing of the step that added it is kept, as with {@link WaitTimers}). Uses Vert.x 4's
 * internal {@code ContextInternal}/{@code VertxInternal} (a timer on a context of its own, as {@link WaitTimers}).
 *
 * <p>Thread-safe; adding (O(log n)) and cancelling (O(1)) take one lock. A cancelled wait stays in the heap, inert,
 * until its time comes ({@link Wait#cancelled()} lets it drop what it holds).
 */
final class WaitQueue {

    /** Something that waits: runs once at {@link #due} (System.nanoTime) unless cancelled first. */
    abstract static class Wait {
        private static final byte WAITING = 0;
        private static final byte RAN = 1;
        private static final byte CANCELLED = 2;

        final long due;
        private ContextInternal loop;
        /** Guarded by the queue's lock. */
        private byte state = WAITING;

        Wait(long due) {
            this.due = due;
        }

        /** Runs on the event loop it was added from; {@code lateNanos}: how long after {@link #due} it started. */
        abstract void run(long lateNanos);

        /** Cancelled: may drop what it holds (it stays in the heap until its time). */
        void cancelled() {
        }
    }

    private final Vertx vertx;
    /** The event loop the one timer is set on (its own, so no caller's context is kept or needed). */
    private final ContextInternal timerLoop;
    private final PriorityQueue<Wait> heap = new PriorityQueue<>((a, b) -> Long.signum(a.due - b.due));
    /** The Vert.x timer set for the earliest wait, and its due time; -1: none. Guarded by this. */
    private long armed = -1;
    private long armedDue;

    WaitQueue(Vertx vertx) {
        this.vertx = vertx;
        this.timerLoop = ((VertxInternal) vertx).createEventLoopContext();
    }

    /** Adds a wait; it runs on the current event loop (or one Vert.x picks when called off the event loops). */
    void add(Wait wait) {
        wait.loop = ((ContextInternal) vertx.getOrCreateContext()).unwrap();
        synchronized (this) {
            heap.add(wait);
            if (armed == -1 || heap.peek() == wait) {
                arm(); // the earliest, or no timer set (one could not be set before: try again)
            }
        }
    }

    /** Cancels a wait that has not started; false when it already ran (or was cancelled). */
    boolean cancel(Wait wait) {
        synchronized (this) {
            if (wait.state != Wait.WAITING) {
                return false;
            }
            wait.state = Wait.CANCELLED;
        }
        wait.cancelled();
        return true;
    }

    /** How many waits are in the heap (cancelled ones included until their time). */
    synchronized int size() {
        return heap.size();
    }

    /** Sets the timer for the earliest wait unless one is set for that time or earlier already. Holds the lock. */
    private void arm() {
        Wait first = heap.peek();
        if (first == null || (armed != -1 && armedDue - first.due <= 0)) {
            return;
        }
        if (armed != -1) {
            vertx.cancelTimer(armed);
            armed = -1;
        }
        long delayMillis = Math.max(1, (first.due - System.nanoTime() + 999_999) / 1_000_000);
        armed = timerLoop.setTimer(delayMillis, this::due);
        armedDue = first.due;
    }

    /** The timer fired: runs every wait whose time has come, then sets the timer for the next one. */
    private void due(long timer) {
        List<Wait> ready = new ArrayList<>();
        try {
            synchronized (this) {
                if (timer != armed) {
                    return; // replaced by an earlier one as it fired
                }
                armed = -1;
                long now = System.nanoTime();
                while (!heap.isEmpty() && heap.peek().due - now <= 0) {
                    Wait wait = heap.poll();
                    if (wait.state == Wait.WAITING) {
                        wait.state = Wait.RAN;
                        ready.add(wait);
                    }
                }
                arm();
            }
        } finally {
            dispatch(ready); // those taken from the heap run even if the next timer could not be set (shutdown)
        }
    }

    private static void dispatch(List<Wait> ready) {
        for (Wait wait : ready) {
            wait.loop.duplicate().runOnContext(v -> {
                try {
                    wait.run(Math.max(0, System.nanoTime() - wait.due));
                } catch (RuntimeException e) {
                    Log.errorf(e, "a scheduled wait failed");
                }
            });
        }
    }
}
