package dev.videoworker.provider;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * At most {@code count} calls at once, the others waiting (without a thread) in arrival order. A call's own timeout
 * starts when it gets its permit, so waiting here never counts against it.
 */
final class AsyncPermits {

    private final Deque<UniEmitter<? super Void>> waiting = new ArrayDeque<>();
    private int free;

    AsyncPermits(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one permit is needed, got " + count);
        }
        this.free = count;
    }

    /** Runs {@code call} once a permit is free; the permit is returned when the call ends, whatever the outcome. */
    <T> Uni<T> run(Supplier<Uni<T>> call) {
        return acquire().chain(() -> call.get().onTermination().invoke(this::release));
    }

    private Uni<Void> acquire() {
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

    private void release() {
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

    synchronized int waiting() {
        return waiting.size();
    }
}
