package dev.videoworker.request;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.driver.JobDriver;
import dev.videoworker.event.EventPublisher;
import dev.videoworker.event.RecordPosition;
import dev.videoworker.flow.AsyncPermits;
import dev.videoworker.job.Decision;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.journal.JobLedger;
import dev.videoworker.journal.JobStore;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.journal.StaleStateException;
import dev.videoworker.log.LogText;
import dev.videoworker.submit.GenerationSlots;
import dev.videoworker.submit.Submitter;
import dev.videoworker.trace.Tracing;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
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
    /**
     * Header of a record of the request topic that is not a request but a cancel of the job it is keyed by, written by
     * a replica that does not own the job's partition; its value is {@code {"cancel":true}} (never empty: the request
     * topic may be compacted, where an empty value would delete the job's request).
     */
    public static final String CANCEL_HEADER = "video-worker-cancel";
    /** How often a record is decided again when its job keeps changing under it (a second time is the rule). */
    private static final int MAX_DECISIONS = 3;
    /** A record whose handling failed is decided again this often, with doubling pauses (about a minute in all). */
    private static final int MAX_RECORD_ATTEMPTS = 8;
    private static final Duration RECORD_RETRY_FIRST = Duration.ofMillis(500);
    private static final Duration RECORD_RETRY_MAX = Duration.ofSeconds(15);

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
    private final AsyncPermits permits;
    private final Tracing tracing;
    private final JobOwnership ownership;
    private final JobDriver driver;
    private final Map<String, Deque<Supplier<Uni<Void>>>> byJob = new HashMap<>();

    public RequestConsumer(RequestParser parser, JobStore store, JobLedger ledger, EventPublisher events,
            Submitter submitter, KafkaClientService kafka, JobJournal journal, GenerationSlots slots,
            WorkerConfig config, Tracing tracing, @Identifier(JobOwnership.NAME) JobOwnership ownership,
            JobDriver driver) {
        this.ownership = ownership;
        this.driver = driver;
        this.tracing = tracing;
        this.kafka = kafka;
        this.slots = slots;
        this.permits = new AsyncPermits(config.requests().maxConcurrent());
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
                e -> Log.debugf("could not pause the request consumer: %s", LogText.safe(e.getMessage())));
    }

    /** Stops fetching requests while jobs wait for a generation slot; the backlog stays in Kafka as lag. */
    private void pauseForSlots(boolean pause) {
        var consumer = kafka.getConsumer(CHANNEL);
        if (consumer == null || stopping) {
            return;
        }
        (pause ? consumer.pause() : consumer.resume()).subscribe().with(
                partitions -> Log.debugf("request consumer %s", pause ? "paused" : "resumed"),
                e -> Log.debugf("could not %s the request consumer: %s", pause ? "pause" : "resume",
                        LogText.safe(e.getMessage())));
    }

    /**
     * Takes one record: parses it, lets a new job wait for a generation slot (holding the consumer: the back-pressure),
     * then hands it to the background, where up to {@code worker.requests.max-concurrent} records are handled at once
     * (their writes share transactions) and acknowledged as each one's outcome becomes durable; the commit strategy
     * commits an offset once every record before it is acknowledged. Records of one job id are handled one after
     * the other, in order, so a repeated id is recognised.
     */
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
        ParseOutcome outcome = cancelRequest(record).orElseGet(() -> parser.parse(message.getPayload(),
                record.getKey(), position));
        String jobId = outcome.jobId();
        String trace = tracing.received(record.getHeaders(), position.topic(), jobId);
        boolean newJob = outcome instanceof ParseOutcome.Valid && store.find(jobId).isEmpty();
        Uni<Void> slot = newJob ? slots.acquire(jobId) : Uni.createFrom().voidItem();
        return slot.chain(permits::acquire).invoke(() -> inOrder(jobId, () -> process(message, record.getKey(),
                outcome, position, receivedAt, trace)
                .onTermination().invoke(() -> {
                    if (newJob) {
                        slots.settle(jobId);
                    }
                })));
    }

    private Uni<Void> process(Message<byte[]> message, String key, ParseOutcome outcome, RecordPosition position,
            Instant receivedAt, String trace) {
        return process(message, key, outcome, position, receivedAt, trace, 1);
    }

    private Uni<Void> process(Message<byte[]> message, String key, ParseOutcome outcome, RecordPosition position,
            Instant receivedAt, String trace, int attempt) {
        return handleDecided(message.getPayload(), key, outcome, position, receivedAt, trace, 1)
                .onItemOrFailure().transformToUni((done, failure) -> {
                    if (failure == null) {
                        return Uni.createFrom().completionStage(message.ack());
                    }
                    if (attempt < MAX_RECORD_ATTEMPTS && !stopping && ownership.assigned(position.partition())) {
                        // The journal failed for a moment, or its partition is being taken over again after its
                        // producer broke: the record is decided again from the state then committed (a job whose
                        // intent did commit is known by then, so it is not submitted twice).
                        Duration wait = Duration.ofMillis(Math.min(RECORD_RETRY_MAX.toMillis(),
                                RECORD_RETRY_FIRST.toMillis() << (attempt - 1)));
                        Log.warnf("request at %s-%d@%d could not be processed (%s); deciding again in %d ms",
                                position.topic(), position.partition(), position.offset(),
                                failure.getClass().getSimpleName(), wait.toMillis());
                        return Uni.createFrom().voidItem().onItem().delayIt().by(wait).chain(() -> process(message,
                                key, outcome, position, receivedAt, trace, attempt + 1));
                    }
                    if (failure instanceof NotOwnerException) {
                        // The partition moved to another replica mid-way: leave the record unacknowledged, its new
                        // owner reads it again and finds whatever state was written.
                        Log.infof("request at %s-%d@%d left to the partition's new owner", position.topic(),
                                position.partition(), position.offset());
                        return Uni.createFrom().voidItem();
                    }
                    // A valid request must not end in the dead-letter topic because Kafka failed for a while: leave
                    // it unacknowledged. The journal decides what happens when it is read again (the commit strategy
                    // reports the worker unhealthy if that takes too long).
                    Log.errorf(failure, "request at %s-%d@%d could not be processed; left unacknowledged",
                            position.topic(), position.partition(), position.offset());
                    return Uni.createFrom().voidItem();
                });
    }

    /**
     * Handles the record; when another transition of its job was committed first (a cancel through the HTTP API),
     * decides again from the job's state now, which is then known.
     */
    private Uni<Void> handleDecided(byte[] value, String key, ParseOutcome outcome, RecordPosition position,
            Instant receivedAt, String trace, int attempt) {
        return handle(value, key, outcome, position, receivedAt, trace)
                .onFailure(e -> e instanceof StaleStateException && attempt < MAX_DECISIONS).recoverWithUni(e -> {
                    Log.debugf("job %s changed while its request was handled; deciding again",
                            LogText.safe(outcome.jobId()));
                    return handleDecided(value, key, outcome, position, receivedAt, trace, attempt + 1);
                });
    }

    /** Runs {@code work} now, or after the work already running or queued for the same job id. */
    private void inOrder(String jobId, Supplier<Uni<Void>> work) {
        synchronized (byJob) {
            Deque<Supplier<Uni<Void>>> queued = byJob.get(jobId);
            if (queued != null) {
                queued.add(work);
                return;
            }
            byJob.put(jobId, new ArrayDeque<>());
        }
        run(jobId, work);
    }

    private void run(String jobId, Supplier<Uni<Void>> work) {
        Uni<Void> running;
        try {
            running = work.get();
        } catch (RuntimeException e) {
            running = Uni.createFrom().failure(e);
        }
        running.subscribe().with(done -> next(jobId), e -> {
            Log.errorf(e, "handling a request of job %s failed", LogText.safe(jobId));
            next(jobId);
        });
    }

    private void next(String jobId) {
        permits.release();
        Supplier<Uni<Void>> following;
        synchronized (byJob) {
            Deque<Supplier<Uni<Void>>> queued = byJob.get(jobId);
            following = queued == null ? null : queued.poll();
            if (following == null) {
                byJob.remove(jobId);
            }
        }
        if (following != null) {
            run(jobId, following);
        }
    }

    private Uni<Void> handle(byte[] value, String key, ParseOutcome outcome, RecordPosition position,
            Instant receivedAt, String trace) {
        if (outcome instanceof ParseOutcome.CancelRequest cancel) {
            if (store.find(cancel.jobId()).map(s -> s.status() == JobStatus.CANCELLED).orElse(false)) {
                // Usually decided already, ahead of this consumer (CancelScanner): nothing more to do.
                Log.debugf("job %s: forwarded cancel already decided", LogText.safe(cancel.jobId()));
                return Uni.createFrom().voidItem();
            }
            // Decided as a cancel through this replica's own API would be: before arrival, while submitting or
            // generating, refused once generated or ended (nothing to answer: the asking replica reads the outcome
            // from its fleet view).
            return driver.apply(null, cancel.jobId(), position.partition(), new JobEvent.CancelRequested(
                    cancel.jobId(), position.partition()))
                    .invoke(decision -> Log.infof("job %s: cancel forwarded by another replica: %s",
                            LogText.safe(cancel.jobId()), decision.kind() == Decision.Kind.REFUSED
                                    ? "refused (" + decision.refusal().code() + ")" : decision.next().status().wireName()))
                    .replaceWithVoid();
        }
        JobState known = store.find(outcome.jobId()).orElse(null);
        if (known != null) {
            // A redelivery or a repeated job id: never submit twice.
            Log.infof("job %s is already known (%s); not submitting again", LogText.safe(known.jobId()),
                    known.status().wireName());
            if (inFlight(known.status())) {
                // Its next change is announced anyway; announcing the in-memory state now could repeat an older
                // progress than the one already committed.
                return Uni.createFrom().voidItem();
            }
            return ledger.reannounce(known);
        }
        if (outcome instanceof ParseOutcome.Valid valid) {
            // Acknowledged once the intent is durable; the create call goes on without holding the consumer.
            return submitter.submit(valid.request(), valid.estimatedCostUsd(), position.partition(), receivedAt, trace)
                    .replaceWithVoid();
        }
        if (outcome instanceof ParseOutcome.Invalid invalid) {
            Log.infof("job %s rejected: %s (%s)", LogText.safe(invalid.jobId()), invalid.error().code(),
                    LogText.safe(invalid.error().field()));
            return reject(invalid.jobId(), invalid.error(), invalid.partial(), position, receivedAt, trace);
        }
        ParseOutcome.NotJson notJson = (ParseOutcome.NotJson) outcome;
        if (!journal.owns(position.partition())) {
            // Not served (given up, or its rebuild failed): no dead letter for a record another replica handles.
            return Uni.createFrom().failure(new NotOwnerException(position.partition()));
        }
        Log.infof("record %s-%d@%d is not JSON; sent to the dead-letter topic as job %s", position.topic(),
                position.partition(), position.offset(), LogText.safe(notJson.jobId()));
        return events.deadLetter(value, key, notJson.reason(), position)
                .chain(() -> reject(notJson.jobId(), JobError.field("invalid_json", "$", "The record is not JSON ("
                        + notJson.reason() + "); its bytes were sent to the dead-letter topic."), null, position,
                        receivedAt, trace));
    }

    /**
     * A record carrying {@link #CANCEL_HEADER}, keyed by a usable job id, is a forwarded cancel; one without a usable
     * key names no job and is read as a request (and rejected as such).
     */
    private static Optional<ParseOutcome> cancelRequest(IncomingKafkaRecordMetadata<String, byte[]> record) {
        if (record.getHeaders() == null || record.getHeaders().lastHeader(CANCEL_HEADER) == null
                || record.getKey() == null || RequestParser.jobIdProblem(record.getKey()).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new ParseOutcome.CancelRequest(record.getKey()));
    }

    private static boolean inFlight(JobStatus status) {
        return status.generating() || status == JobStatus.SUBMITTING || status == JobStatus.GENERATED
                || status == JobStatus.STORING;
    }

    private Uni<Void> reject(String jobId, JobError error, VideoRequest partial, RecordPosition position,
            Instant receivedAt, String trace) {
        return driver.apply(null, jobId, position.partition(), new JobEvent.Refused(jobId, position.partition(),
                partial, error, receivedAt, trace)).replaceWithVoid();
    }
}
