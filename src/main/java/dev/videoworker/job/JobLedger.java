package dev.videoworker.job;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.event.EventPublisher;
import io.smallrye.mutiny.Uni;

/**
 * Records a job's transitions in order: the durable state first, then the status event, then (once, for a terminal
 * status) the completion event.
 */
@ApplicationScoped
public class JobLedger {

    private final JobStore store;
    private final EventPublisher events;

    public JobLedger(JobStore store, EventPublisher events) {
        this.store = store;
        this.events = events;
    }

    /** Saves and announces a new state of the job. */
    public Uni<JobState> record(JobState next) {
        return store.save(next)
                .call(saved -> next.status() == JobStatus.SUBMITTING ? Uni.createFrom().voidItem()
                        : events.status(saved))
                .call(saved -> saved.status().terminal() ? events.completed(saved) : Uni.createFrom().voidItem());
    }

    /** Saves a state without announcing it (an internal step such as the intent to submit). */
    public Uni<JobState> remember(JobState next) {
        return store.save(next);
    }

    /** Announces a known job again (a redelivered request), without writing or completing anything. */
    public Uni<Void> reannounce(JobState known) {
        return events.status(known);
    }
}
