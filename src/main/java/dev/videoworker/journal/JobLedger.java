package dev.videoworker.journal;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.producer.ProducerRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.EventPublisher;
import dev.videoworker.job.JobState;
import dev.videoworker.metrics.WorkerMetrics;
import io.smallrye.mutiny.Uni;

/**
 * Records a job's transitions: the new state, its status event and (once, for a terminal status) its completion
 * event are committed together to the job's journal partition; the in-memory view changes only after that.
 */
@ApplicationScoped
public class JobLedger {

    private final JobStore store;
    private final JobJournal journal;
    private final EventPublisher events;
    private final ObjectMapper mapper;
    private final String jobsTopic;
    private final WorkerMetrics metrics;

    public JobLedger(JobStore store, JobJournal journal, EventPublisher events, ObjectMapper mapper,
            WorkerConfig config, WorkerMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.journal = journal;
        this.events = events;
        this.mapper = mapper;
        this.jobsTopic = config.topics().jobs();
    }

    /**
     * Saves and announces a new state of the job, derived from {@code previous} (null for a new job). The journal's
     * writer commits it only if {@code previous} is still the job's committed state under this replica's ownership:
     * otherwise it fails with {@link StaleStateException} (decide again from its current state) or
     * {@link NotOwnerException} (stop: the job is not this replica's any more). Completes with the committed state.
     */
    public Uni<JobState> record(JobState previous, JobState next) {
        return record(previous, null, next);
    }

    /**
     * As {@link #record(JobState, JobState)}, announcing {@code passing} (a status the job passes through without it
     * being stored: {@code generated} on the way to {@code storing}) before {@code next}, in the same transaction.
     */
    public Uni<JobState> record(JobState previous, JobState passing, JobState next) {
        long base = previous == null ? 0 : previous.version();
        JobState versioned = next.asVersion(base + 1);
        List<ProducerRecord<String, String>> records = new ArrayList<>(4);
        records.add(stateRecord(versioned));
        if (passing != null) {
            records.add(events.status(passing));
        }
        records.add(events.status(versioned));
        if (versioned.status().terminal()) {
            records.add(events.completed(versioned));
        }
        return journal.write(next.partition(), new JobWrite(next.jobId(), base, previous == null ? 0
                : previous.epoch(), versioned, false, records))
                .invoke(committed -> {
                    if (committed.status().terminal()) {
                        metrics.ended(committed);
                    }
                });
    }

    /** Saves a state without announcing it: a step users already know about (a new intent after reconciling). */
    public Uni<JobState> remember(JobState previous, JobState next) {
        JobState versioned = next.asVersion(previous.version() + 1);
        return journal.write(next.partition(), new JobWrite(next.jobId(), previous.version(), previous.epoch(),
                versioned, false, List.of(stateRecord(versioned))));
    }

    /**
     * Whether {@code state} is still the job's committed state under this replica's current ownership of its
     * partition: the check before a paid call, and before a chain acts on what it last saw.
     */
    public boolean current(JobState state) {
        if (state == null || state.epoch() == 0 || journal.epoch(state.partition()) != state.epoch()) {
            return false;
        }
        JobState committed = store.find(state.jobId()).orElse(null);
        return committed != null && committed.version() == state.version() && committed.epoch() == state.epoch();
    }

    /**
     * Announces a known job again (a redelivered or repeated request), without changing or completing it; refused
     * like a transition when the job moved on meanwhile.
     */
    public Uni<Void> reannounce(JobState known) {
        return journal.write(known.partition(), JobWrite.announcing(known, List.of(events.status(known))))
                .replaceWithVoid();
    }

    /** Removes a long-finished job from the journal (a tombstone); its id may be used again afterwards. */
    public Uni<Void> tombstone(JobState ended) {
        return journal.write(ended.partition(), new JobWrite(ended.jobId(), ended.version(), ended.epoch(), null,
                true, List.of(new ProducerRecord<String, String>(jobsTopic, ended.partition(), ended.jobId(), null))))
                .replaceWithVoid();
    }

    private ProducerRecord<String, String> stateRecord(JobState state) {
        try {
            return new ProducerRecord<>(jobsTopic, state.partition(), state.jobId(), mapper.writeValueAsString(state));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the state of job " + state.jobId(), e);
        }
    }
}
