package dev.videoworker.journal;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.log.LogText;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Keeps memory bounded: slims jobs that ended longer ago than the retention, and tombstones them in the journal once
 * they ended longer ago than {@code worker.jobs.tombstone-after} (never when the request topic keeps its records
 * forever, see {@link TopicSetup#forgetting}).
 */
@ApplicationScoped
public class JobJanitor {

    private final JobStore store;
    private final JobLedger ledger;
    private final Vertx vertx;
    private final WorkerConfig.Jobs config;
    private final TopicSetup topics;
    private long timer = -1;

    public JobJanitor(JobStore store, JobLedger ledger, Vertx vertx, WorkerConfig config, TopicSetup topics) {
        this.store = store;
        this.ledger = ledger;
        this.vertx = vertx;
        this.config = config.jobs();
        this.topics = topics;
    }

    void onStart(@Observes StartupEvent event) {
        long every = Math.max(1_000, Math.min(60_000, config.retention().dividedBy(4).toMillis()));
        timer = vertx.setPeriodic(every, id -> sweep());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    void sweep() {
        Instant now = Instant.now();
        int slimmed = store.retire(now.minus(config.retention()));
        if (slimmed > 0) {
            Log.debugf("slimmed %d finished jobs", slimmed);
        }
        topics.tombstoneAfter().ifPresent(after -> {
            for (JobState ended : store.endedBefore(now.minus(after))) {
                ledger.tombstone(ended).subscribe().with(
                        done -> Log.debugf("tombstoned job %s", LogText.safe(ended.jobId())),
                        e -> Log.debugf("job %s not tombstoned now: %s", LogText.safe(ended.jobId()),
                                LogText.safe(e.getMessage())));
            }
        });
    }
}
