package dev.videoworker.job;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.producer.ProducerRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.EventPublisher;
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
     * Saves and announces a new state of the job, derived from {@code previous} (null for a new job). The write is
     * refused when the job's current state is no longer {@code previous}: the caller's view is stale (the partition
     * was given up and taken back, and another chain drives the job now), so it must stop.
     */
    public Uni<JobState> record(JobState previous, JobState next) {
        if (stale(previous, next)) {
            return Uni.createFrom().failure(new NotOwnerException(next.partition()));
        }
        List<ProducerRecord<String, String>> records = new ArrayList<>(3);
        records.add(stateRecord(next));
        records.add(events.status(next));
        if (next.status().terminal()) {
            records.add(events.completed(next));
        }
        return journal.write(next.partition(), records).replaceWith(() -> {
            // A write that was queued before the partition was given up must not bring its job back into memory.
            if (journal.owns(next.partition())) {
                store.put(next);
            }
            if (next.status().terminal()) {
                metrics.ended(next);
            }
            return next;
        });
    }

    /** Saves a state without announcing it: a step users already know about (a new intent after reconciling). */
    public Uni<JobState> remember(JobState previous, JobState next) {
        if (stale(previous, next)) {
            return Uni.createFrom().failure(new NotOwnerException(next.partition()));
        }
        return journal.write(next.partition(), List.of(stateRecord(next))).replaceWith(() -> {
            if (journal.owns(next.partition())) {
                store.put(next);
            }
            return next;
        });
    }

    private boolean stale(JobState previous, JobState next) {
        return store.find(next.jobId()).orElse(null) != previous;
    }

    /** Announces a known job again (a redelivered or repeated request), without changing or completing it. */
    public Uni<Void> reannounce(JobState known) {
        return journal.write(known.partition(), List.of(events.status(known)));
    }

    /** Removes a long-finished job from the journal (a tombstone); its id may be used again afterwards. */
    public Uni<Void> tombstone(String jobId, int partition) {
        return journal.write(partition, List.of(new ProducerRecord<String, String>(jobsTopic, partition, jobId, null)))
                .invoke(() -> store.remove(jobId));
    }

    private ProducerRecord<String, String> stateRecord(JobState state) {
        try {
            return new ProducerRecord<>(jobsTopic, state.partition(), state.jobId(), mapper.writeValueAsString(state));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the state of job " + state.jobId(), e);
        }
    }
}
