package dev.videoworker.health;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobStore;
import dev.videoworker.poll.Poller;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Live while the worker's own loops run: the Vert.x event loop that drives polls and timers ticks, and, while jobs
 * are being generated, polls keep happening. A replica whose poller is stuck is not live, so Kubernetes restarts it
 * and the partitions' next owner follows the jobs.
 */
@Liveness
@ApplicationScoped
public class PollerLiveness implements HealthCheck {

    /** An event loop that has not ticked for this long is blocked. */
    static final Duration TICK_STALE = Duration.ofSeconds(30);

    private final Poller poller;
    private final JobStore store;
    private final Duration stuckAfter;
    private volatile Instant lastTick = Instant.now();

    public PollerLiveness(Poller poller, JobStore store, WorkerConfig config) {
        this.poller = poller;
        this.store = store;
        this.stuckAfter = config.health().pollerStuckAfter();
    }

    void onStart(@Observes StartupEvent event, Vertx vertx) {
        vertx.setPeriodic(1_000, id -> lastTick = Instant.now());
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = Instant.now();
        int generating = store.count(JobStatus.SUBMITTED) + store.count(JobStatus.QUEUED)
                + store.count(JobStatus.IN_PROGRESS);
        String problem = problem(now, lastTick, poller.lastPollAt(), generating, stuckAfter);
        var response = HealthCheckResponse.named("poller").withData("generating", generating);
        return problem == null ? response.up().build() : response.down().withData("error", problem).build();
    }

    /** Why the loops look stuck, or null when they do not. */
    static String problem(Instant now, Instant lastTick, Instant lastPoll, int generating, Duration stuckAfter) {
        if (lastTick.isBefore(now.minus(TICK_STALE))) {
            return "the event loop has not ticked since " + lastTick;
        }
        if (generating > 0 && lastPoll.isBefore(now.minus(stuckAfter))) {
            return generating + " jobs are generating but no poll started since " + lastPoll;
        }
        return null;
    }
}
