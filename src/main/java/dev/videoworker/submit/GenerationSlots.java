package dev.videoworker.submit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.journal.JobStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;

/**
 * Back-pressure: at most {@code worker.jobs.max-in-flight} jobs of this replica are being submitted or generated at
 * the provider. A new job waits for a slot; while any job waits, the request consumer is paused (the backlog stays
 * in Kafka, where it shows as consumer lag), and it resumes when a slot frees. Nothing is rejected for being busy.
 * <p>
 * A provider that answers {@code 429 Too many running tasks} caps concurrent jobs below our limit: the effective
 * limit then drops to the jobs running at that moment for {@code worker.jobs.concurrency-cooldown}.
 */
@ApplicationScoped
public class GenerationSlots {

    private final JobStore store;
    private final int configured;
    private final Duration cooldown;
    private final Clock clock;
    private final Set<String> reserved = new HashSet<>();
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private int lowered = Integer.MAX_VALUE;
    private Instant loweredUntil = Instant.MIN;
    private volatile Consumer<Boolean> pauser = paused -> { };
    private boolean paused;

    private record Waiter(String jobId, UniEmitter<? super Void> emitter) {
    }

    @Inject
    public GenerationSlots(JobStore store, WorkerConfig config) {
        this(store, config.jobs().maxInFlight(), config.jobs().concurrencyCooldown(), Clock.systemUTC());
    }

    GenerationSlots(JobStore store, int maxInFlight, Duration cooldown, Clock clock) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("worker.jobs.max-in-flight must be at least 1");
        }
        this.store = store;
        this.configured = maxInFlight;
        this.cooldown = cooldown;
        this.clock = clock;
        store.onGeneratingDecreased(this::drain);
    }

    /** Called with true to pause the request consumer, false to resume it. */
    public void onPauseChange(Consumer<Boolean> pauser) {
        this.pauser = pauser;
    }

    /** Completes when the job has a slot; it keeps it until {@link #settle} and then as long as it is generating. */
    public Uni<Void> acquire(String jobId) {
        return Uni.createFrom().emitter(emitter -> {
            boolean granted;
            boolean pause = false;
            synchronized (this) {
                granted = waiting.isEmpty() && free() > 0;
                if (granted) {
                    reserved.add(jobId);
                } else {
                    waiting.add(new Waiter(jobId, emitter));
                    pause = !paused;
                    paused = true;
                }
            }
            if (granted) {
                emitter.complete(null);
            } else if (pause) {
                Log.infof("%d jobs in flight (limit %d): pausing the request consumer", store.generating(), limit());
                pauser.accept(true);
            }
        });
    }

    /** The job's first state is durable (or it ended before that): from now on the store counts it, if at all. */
    public void settle(String jobId) {
        synchronized (this) {
            reserved.remove(jobId);
        }
        drain();
    }

    /**
     * A job that will not be submitted after all (cancelled while its request waited here): its request goes on
     * without a slot, so the request consumer no longer waits for one on its behalf. False when it was not waiting.
     */
    public boolean withdraw(String jobId) {
        Waiter withdrawn = null;
        synchronized (this) {
            for (Iterator<Waiter> it = waiting.iterator(); it.hasNext();) {
                Waiter w = it.next();
                if (w.jobId().equals(jobId)) {
                    it.remove();
                    withdrawn = w;
                    break;
                }
            }
        }
        if (withdrawn == null) {
            return false;
        }
        withdrawn.emitter().complete(null);
        // resumes the consumer when nobody waits any more
        drain();
        return true;
    }

    /** Whether the job's request waits for a slot. */
    public synchronized boolean isWaiting(String jobId) {
        return waiting.stream().anyMatch(w -> w.jobId().equals(jobId));
    }

    /** The provider refused a create because too many of our jobs are running there. */
    public void tooManyRunning() {
        synchronized (this) {
            int running = Math.max(1, store.generating() - 1);
            if (running < limit()) {
                Log.warnf("the provider caps concurrent jobs: limiting this replica to %d for %s", running,
                        cooldown);
            }
            lowered = Math.min(limit(), running);
            loweredUntil = clock.instant().plus(cooldown);
        }
    }

    /** The limit now: the configured one, or lower for a while after the provider said too many tasks run. */
    public synchronized int limit() {
        if (lowered < configured && clock.instant().isBefore(loweredUntil)) {
            return lowered;
        }
        lowered = Integer.MAX_VALUE;
        return configured;
    }

    /** Jobs waiting for a slot. */
    public synchronized int waiting() {
        return waiting.size();
    }

    private int free() {
        return limit() - store.generating() - reserved.size();
    }

    /** Hands free slots to waiting jobs, oldest first; resumes the consumer when nobody waits any more. */
    void drain() {
        List<Waiter> granted = new ArrayList<>();
        boolean resume = false;
        synchronized (this) {
            while (!waiting.isEmpty() && free() > 0) {
                Waiter next = waiting.poll();
                reserved.add(next.jobId());
                granted.add(next);
            }
            if (waiting.isEmpty() && paused) {
                paused = false;
                resume = true;
            }
        }
        granted.forEach(w -> w.emitter().complete(null));
        if (resume) {
            Log.infof("a generation slot is free: resuming the request consumer");
            pauser.accept(false);
        }
    }

    /** Re-checks waiters every second: a lowered limit expires without any job ending to trigger it. */
    void onStart(@Observes StartupEvent event, Vertx vertx) {
        vertx.setPeriodic(1_000, id -> drain());
    }
}
