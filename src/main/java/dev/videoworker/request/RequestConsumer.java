package dev.videoworker.request;

import java.time.Clock;
import java.time.Instant;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.videoworker.event.EventPublisher;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobJournal;
import dev.videoworker.job.JobLedger;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.JobStore;
import dev.videoworker.job.NotOwnerException;
import dev.videoworker.submit.GenerationSlots;
import dev.videoworker.submit.Submitter;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Consumes {@code video.requests}: every record ends as a job being submitted, a rejection, or a dead letter, and is
 * acknowledged once that outcome is durable: for a valid job, its intent to submit (the create call and everything
 * after it go on without holding the consumer; a replica that stops in between leaves the intent to be reconciled by
 * the partition's next owner). A new job first waits for a generation slot ({@link GenerationSlots}).
 */
@ApplicationScoped
public class RequestConsumer {

    public static final String CHANNEL = "video-requests";

    private final RequestParser parser;
    private final JobStore store;
    private final JobLedger ledger;
    private final EventPublisher events;
    private final Submitter submitter;
    private final KafkaClientService kafka;
    private final JobJournal journal;
    private final GenerationSlots slots;
    private final Clock clock = Clock.systemUTC();
    private volatile boolean stopping;

    public RequestConsumer(RequestParser parser, JobStore store, JobLedger ledger, EventPublisher events,
            Submitter submitter, KafkaClientService kafka, JobJournal journal, GenerationSlots slots) {
        this.kafka = kafka;
        this.slots = slots;
        slots.onPauseChange(this::pauseForSlots);
        this.journal = journal;
        this.parser = parser;
        this.store = store;
        this.ledger = ledger;
        this.events = events;
        this.submitter = submitter;
    }

    /**
     * On shutdown: stop taking records (the consumer is paused, and records already fetched are left unacknowledged
     * for the partition's next owner), so nothing new is paid for while the replica leaves.
     */
    void onShutdown(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        stopping = true;
        kafka.getConsumer(CHANNEL).pause().subscribe().with(
                paused -> Log.infof("shutting down: stopped taking requests from %d partitions", paused.size()),
                e -> Log.debugf("could not pause the request consumer: %s", e.getMessage()));
    }

    /** Stops fetching requests while jobs wait for a generation slot; the backlog stays in Kafka as lag. */
    private void pauseForSlots(boolean pause) {
        var consumer = kafka.getConsumer(CHANNEL);
        if (consumer == null || stopping) {
            return;
        }
        (pause ? consumer.pause() : consumer.resume()).subscribe().with(
                partitions -> Log.debugf("request consumer %s", pause ? "paused" : "resumed"),
                e -> Log.debugf("could not %s the request consumer: %s", pause ? "pause" : "resume", e.getMessage()));
    }

    @Incoming(CHANNEL)
    public Uni<Void> consume(Message<byte[]> message) {
        if (stopping) {
            return Uni.createFrom().voidItem();
        }
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordMetadata<String, byte[]> record = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("request without Kafka metadata"));
        RecordPosition position = new RecordPosition(record.getTopic(), record.getPartition(), record.getOffset());
        Instant receivedAt = clock.instant();
        return handle(message.getPayload(), record.getKey(), position, receivedAt)
                .onItemOrFailure().transformToUni((done, failure) -> {
                    if (failure == null) {
                        return Uni.createFrom().completionStage(message.ack());
                    }
                    if (failure instanceof NotOwnerException) {
                        // The partition moved to another replica mid-way: leave the record unacknowledged, its new
                        // owner reads it again and finds whatever state was written.
                        Log.infof("request at %s-%d@%d left to the partition's new owner", position.topic(),
                                position.partition(), position.offset());
                        return Uni.createFrom().voidItem();
                    }
                    // A valid request must not end in the dead-letter topic because Kafka failed for a moment: leave
                    // it unacknowledged. The journal decides what happens when it is read again (the commit strategy
                    // reports the worker unhealthy if that takes too long).
                    Log.errorf(failure, "request at %s-%d@%d could not be processed; left unacknowledged",
                            position.topic(), position.partition(), position.offset());
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> handle(byte[] value, String key, RecordPosition position, Instant receivedAt) {
        ParseOutcome outcome = parser.parse(value, key, position);
        JobState known = store.find(outcome.jobId()).orElse(null);
        if (known != null) {
            // A redelivery or a repeated job id: never submit twice.
            Log.infof("job %s is already known (%s); not submitting again", known.jobId(), known.status().wireName());
            if (inFlight(known.status())) {
                // Its next change is announced anyway; announcing the in-memory state now could repeat an older
                // progress than the one already committed.
                return Uni.createFrom().voidItem();
            }
            return ledger.reannounce(known);
        }
        if (outcome instanceof ParseOutcome.Valid valid) {
            String jobId = valid.request().jobId();
            // Acknowledged once the intent is durable; the create call goes on without holding the consumer.
            return slots.acquire(jobId)
                    .chain(() -> submitter.submit(valid.request(), valid.estimatedCostUsd(), position.partition(),
                            receivedAt))
                    .onTermination().invoke(() -> slots.settle(jobId))
                    .replaceWithVoid();
        }
        if (outcome instanceof ParseOutcome.Invalid invalid) {
            Log.infof("job %s rejected: %s (%s)", invalid.jobId(), invalid.error().code(), invalid.error().field());
            return reject(invalid.jobId(), invalid.error(), invalid.partial(), position, receivedAt);
        }
        ParseOutcome.NotJson notJson = (ParseOutcome.NotJson) outcome;
        if (!journal.owns(position.partition())) {
            // Not served (given up, or its rebuild failed): no dead letter for a record another replica handles.
            return Uni.createFrom().failure(new NotOwnerException(position.partition()));
        }
        Log.infof("record %s-%d@%d is not JSON; sent to the dead-letter topic as job %s", position.topic(),
                position.partition(), position.offset(), notJson.jobId());
        return events.deadLetter(value, key, notJson.reason(), position)
                .chain(() -> reject(notJson.jobId(), JobError.field("invalid_json", "$", "The record is not JSON ("
                        + notJson.reason() + "); its bytes were sent to the dead-letter topic."), null, position,
                        receivedAt));
    }

    private static boolean inFlight(JobStatus status) {
        return status.generating() || status == JobStatus.SUBMITTING || status == JobStatus.GENERATED
                || status == JobStatus.STORING;
    }

    private Uni<Void> reject(String jobId, JobError error, VideoRequest partial, RecordPosition position,
            Instant receivedAt) {
        return ledger.record(null, JobState.rejected(jobId, position.partition(), partial, error, receivedAt,
                clock.instant())).replaceWithVoid();
    }
}
