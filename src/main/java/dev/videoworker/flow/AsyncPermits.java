package dev.videoworker.flow;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * At most {@code count} units of work at once, the others waiting (without a thread) in arrival order: create calls
 * (a call's own timeout starts when it gets its permit, so waiting here never counts against it) and request records
 * handled at once.
 */
public final class AsyncPermits {

    private final Deque<UniEmitter<? super Void>> waiting = new ArrayDeque<>();
    private int free;

    public AsyncPermits(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one permit is needed, got " + count);
        }
        this.free = count;
    }

    /** Runs {@code call} once a permit is free; the permit is returned when the call ends, whatever the outcome. */
    public <T> Uni<T> run(Supplier<Uni<T>> call) {
        return acquire().chain(() -> call.get().onTermination().invoke(this::release));
    }

    /** Completes once a permit is free; give it back with {@link #release()}. */
    public Uni<Void> acquire() {
        return Uni.createFrom().emitter(emitter -> {
            boolean granted;
            synchronized (this) {
                granted = free > 0;
                if (granted) {
                    free--;
                } else {
                    waiting.add(emitter);
                }
            }
            if (granted) {
                emitter.complete(null);
            }
        });
    }

    /** Returns a permit, handing it to the oldest waiter if there is one. */
    public void release() {
        UniEmitter<? super Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                free++;
            }
        }
        if (next != null) {
            next.complete(null);
        }
    }

    public synchronized int waiting() {
        return waiting.size();
    }
}
