package dev.videoworker.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.EventPublisher;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.Route;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.Partitions;
import dev.videoworker.testing.WorkerTestResources;
import dev.videoworker.trace.Tracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

/**
 * Versioned job state, checked at commit on a real broker: the partition writer commits a transition only if it was
 * derived from the job's last committed version under the current ownership of the partition; a refused one writes
 * nothing (no state, no event, no completion) and names the state that won.
 */
class JobLedgerTest {

    static final KafkaBroker BROKER = WorkerTestResources.broker();
    static final Duration WAIT = Duration.ofSeconds(30);

    private String prefix;
    private WorkerConfig config;
    private Map<String, Object> kafka;
    private ObjectMapper mapper;
    private JobStore store;
    private JobJournal journal;
    private JobLedger ledger;

    @BeforeEach
    void journal() {
        prefix = "ledger-" + UUID.randomUUID();
        BROKER.createTopic(prefix + ".jobs", 1, Map.of("cleanup.policy", "compact"));
        BROKER.createTopic(prefix + ".completed", 1, Map.of());
        config = TestConfig.worker(Map.of(
                "worker.topics.jobs", prefix + ".jobs",
                "worker.topics.status", prefix + ".status",
                "worker.topics.completed", prefix + ".completed",
                "worker.jobs.transactional-id-prefix", prefix));
        kafka = new HashMap<>();
        kafka.put("bootstrap.servers", BROKER.bootstrapServers());
        mapper = new ObjectMapper().registerModule(new JavaTimeModule());
        store = new JobStore();
        journal = new JobJournal(kafka, config, store);
        ledger = new JobLedger(store, journal, new EventPublisher(null, mapper, config,
                new Tracing(OpenTelemetry.noop())), mapper, config, new WorkerMetrics(new SimpleMeterRegistry()));
        journal.open(0, p -> new JournalReader(kafka, mapper, config).read(p));
    }

    @AfterEach
    void close() {
        journal.closeAll();
    }

    private static JobState intent(String jobId) {
        VideoRequest request = new VideoRequest(jobId, "sora-2", "a cat", "720x1280", "4", null, null, null, null,
                null);
        return JobState.submitting(request, 0, null, Instant.now(), Instant.now(), null);
    }

    @Test
    void eachCommittedTransitionIsTheNextVersionOfTheJob() {
        JobState submitting = ledger.record(null, intent("job-1")).await().atMost(WAIT);
        JobState submitted = ledger.record(submitting, submitting.submitted("video_1", Instant.now(), Instant.now()))
                .await().atMost(WAIT);

        assertThat(submitting.version()).isEqualTo(1);
        assertThat(submitted.version()).isEqualTo(2);
        assertThat(store.find("job-1")).contains(submitted);
        assertThat(ledger.current(submitted)).isTrue();
        assertThat(ledger.current(submitting)).isFalse();
    }

    @Test
    void aTransitionFromAnOlderVersionIsRefusedAndWritesNothing() {
        JobState intent = ledger.record(null, intent("job-2")).await().atMost(WAIT);
        JobState submitted = ledger.record(intent, intent.submitted("video_2", Instant.now(), Instant.now()))
                .await().atMost(WAIT);

        assertThatThrownBy(() -> ledger.record(intent, intent.ended(JobStatus.FAILED, JobError.of("x", "late"),
                Instant.now())).await().atMost(WAIT))
                .isInstanceOfSatisfying(StaleStateException.class, e -> assertThat(e.current()).isEqualTo(submitted));
        assertThat(completions()).isEmpty();
        assertThat(store.find("job-2")).contains(submitted);
    }

    @Test
    void twoTransitionsDerivedFromTheSameStateInOneBatchCommitOnlyOne() {
        // The race of issue 12 (a cancel and a request handled at once): both are queued before either commits.
        for (int i = 0; i < 20; i++) {
            String jobId = "race-" + i;
            CompletableFuture<JobState> submit = ledger.record(null, intent(jobId)).subscribeAsCompletionStage();
            CompletableFuture<JobState> cancel = ledger.record(null, JobState.cancelledBeforeArrival(jobId, 0,
                    Instant.now())).subscribeAsCompletionStage();

            List<Object> outcomes = new ArrayList<>();
            for (CompletableFuture<JobState> f : List.of(submit, cancel)) {
                try {
                    outcomes.add(f.join());
                } catch (CompletionException e) {
                    outcomes.add(e.getCause());
                }
            }
            assertThat(outcomes).filteredOn(o -> o instanceof JobState).hasSize(1);
            assertThat(outcomes).filteredOn(o -> o instanceof StaleStateException).hasSize(1);
            JobState winner = (JobState) outcomes.stream().filter(o -> o instanceof JobState).findFirst()
                    .orElseThrow();
            assertThat(store.find(jobId)).contains(winner);
        }
        // Only the cancels that won completed their job; none completed twice.
        List<String> completed = completions().stream().map(ConsumerRecord::key).toList();
        assertThat(completed).doesNotHaveDuplicates();
        assertThat(completed).hasSize((int) store.all().stream().filter(s -> s.status().terminal()).count());
    }

    @Test
    void aTombstoneFromAnOlderVersionIsRefused() {
        JobState intent = ledger.record(null, intent("job-3")).await().atMost(WAIT);
        JobState failed = ledger.record(intent, intent.ended(JobStatus.FAILED, JobError.of("x", "refused"),
                Instant.now())).await().atMost(WAIT);

        assertThatThrownBy(() -> ledger.tombstone(intent).await().atMost(WAIT))
                .isInstanceOf(StaleStateException.class);
        assertThat(store.find("job-3")).contains(failed);
        ledger.tombstone(failed).await().atMost(WAIT);
        assertThat(store.find("job-3")).isEmpty();
    }

    @Test
    void workOfAnEarlierOwnershipIsRefusedAfterThePartitionIsTakenBack() {
        JobState intent = ledger.record(null, intent("job-4")).await().atMost(WAIT);
        JobState submitted = ledger.record(intent, intent.submitted("video_4", Instant.now(), Instant.now()))
                .await().atMost(WAIT);

        // Given up and taken back by the same replica: the rebuilt job has the same version, but a new ownership.
        journal.close(0);
        store.release(0);
        journal.open(0, p -> new JournalReader(kafka, mapper, config).read(p));
        JobState current = store.find("job-4").orElseThrow();
        assertThat(current.version()).isEqualTo(submitted.version());
        assertThat(ledger.current(submitted)).as("the old chain's view").isFalse();
        assertThat(ledger.current(current)).isTrue();

        assertThatThrownBy(() -> ledger.record(submitted, submitted.ended(JobStatus.FAILED,
                JobError.of("x", "old chain"), Instant.now())).await().atMost(WAIT))
                .isInstanceOf(NotOwnerException.class);
        assertThat(ledger.record(current, current.progressed(JobStatus.IN_PROGRESS, 10, Instant.now()))
                .await().atMost(WAIT).progress()).isEqualTo(10);
    }

    @Test
    void aJobsPinnedRouteAndWhatItsProviderReportedSurviveATakeOver() {
        VideoRequest request = new VideoRequest("job-6", "veo-3", "a cat", "1280x720", "4", null, null, null, null,
                null, "veo");
        Route route = new Route("veo", "google/veo-3.1", "veo-prod");
        JobState intent = ledger.record(null, JobState.submitting(request, 0, null, Instant.now(), Instant.now(),
                null, route, "Model veo-3 retires soon")).await().atMost(WAIT);
        JobState submitted = ledger.record(intent, intent.submitted("video_6", Instant.now(), Instant.now()))
                .await().atMost(WAIT);
        ledger.record(submitted, submitted.generated(null, Instant.now()).withActualCost(new BigDecimal("0.42")))
                .await().atMost(WAIT);

        // Another replica taking the partition over rebuilds the job from the journal alone.
        journal.close(0);
        store.release(0);
        journal.open(0, p -> new JournalReader(kafka, mapper, config).read(p));
        JobState rebuilt = store.find("job-6").orElseThrow();

        assertThat(rebuilt.route()).isEqualTo(route);
        assertThat(rebuilt.request().provider()).isEqualTo("veo");
        assertThat(rebuilt.actualCostUsd()).isEqualByComparingTo("0.42");
        assertThat(rebuilt.notice()).isEqualTo("Model veo-3 retires soon");
    }

    @Test
    void reannouncingAJobThatMovedOnIsRefused() {
        JobState intent = ledger.record(null, intent("job-5")).await().atMost(WAIT);
        ledger.record(intent, intent.submitted("video_5", Instant.now(), Instant.now())).await().atMost(WAIT);

        assertThatThrownBy(() -> ledger.reannounce(intent).await().atMost(WAIT))
                .isInstanceOf(StaleStateException.class);
    }

    private List<ConsumerRecord<String, String>> completions() {
        return Partitions.readCommitted(BROKER.bootstrapServers(), prefix + ".completed", 0);
    }
}
