package dev.videoworker.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.EventPublisher;
import dev.videoworker.job.Decision;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.journal.JobLedger;
import dev.videoworker.journal.JobStore;
import dev.videoworker.journal.JournalReader;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.Partitions;
import dev.videoworker.testing.WorkerTestResources;
import dev.videoworker.trace.Tracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

/**
 * The job driver on a real broker: the events of one job are decided one at a time against its committed state, so
 * racing events never refuse each other and the job completes once; the stages the decisions name are called after
 * the commit; a step of an earlier ownership of the partition changes nothing.
 */
class JobDriverTest {

    static final KafkaBroker BROKER = WorkerTestResources.broker();
    static final Duration WAIT = Duration.ofSeconds(30);

    private String prefix;
    private Map<String, Object> kafka;
    private WorkerConfig config;
    private ObjectMapper mapper;
    private JobStore store;
    private JobJournal journal;
    private JobDriver driver;
    private final Queue<String> steps = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void driver() {
        prefix = "driver-" + UUID.randomUUID();
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
        JobLedger ledger = new JobLedger(store, journal, new EventPublisher(null, mapper, config,
                new Tracing(OpenTelemetry.noop())), mapper, config, new WorkerMetrics(new SimpleMeterRegistry()));
        driver = new JobDriver(store, ledger, journal, () -> new RecordingSteps(steps));
        journal.open(0, p -> new JournalReader(kafka, mapper, config).read(p));
    }

    @AfterEach
    void close() {
        journal.closeAll();
    }

    private JobState intent(String jobId) {
        VideoRequest request = new VideoRequest(jobId, "sora-2", "a cat", "720x1280", "4", null, null, null, null,
                null);
        Decision d = driver.apply(null, jobId, 0, new JobEvent.Requested(request, 0, new BigDecimal("0.40"),
                Instant.now(), null)).await().atMost(WAIT);
        assertThat(d.steps()).containsExactly(Decision.Step.SUBMIT);
        return d.next();
    }

    @Test
    void racingEventsOfOneJobAreDecidedInTurnAndTheJobCompletesOnce() {
        int jobs = 40;
        List<CompletableFuture<Decision>> all = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            String jobId = "race-" + i;
            JobState intent = intent(jobId);
            // Sent together, as a create answer, a fence and a cancel arrive from three threads.
            JobEvent made = new JobEvent.VideoMade("video-" + i, Duration.ofMinutes(10));
            JobEvent cancel = new JobEvent.CancelRequested(jobId, 0);
            List<JobEvent> order = i % 2 == 0 ? List.of(made, new JobEvent.IntentRenewed(), cancel)
                    : List.of(cancel, new JobEvent.IntentRenewed(), made);
            for (JobEvent e : order) {
                all.add(driver.apply(intent, e).subscribeAsCompletionStage());
            }
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();

        for (int i = 0; i < jobs; i++) {
            JobState job = store.find("race-" + i).orElseThrow();
            assertThat(job.status()).as("race-%d", i).isEqualTo(JobStatus.CANCELLED);
            assertThat(job.videoId()).as("the video made for race-%d is recorded", i).isEqualTo("video-" + i);
            assertThat(steps).as("race-%d's video is deleted once", i).containsOnlyOnce("delete race-" + i
                    + " video-" + i);
            assertThat(steps.contains("follow race-" + i)).as("race-%d followed only when the answer came first", i)
                    .isEqualTo(i % 2 == 0);
        }
        assertThat(driver.redecided()).as("transitions refused at commit: none, each event saw the last commit")
                .isZero();
        List<ConsumerRecord<String, String>> completions = Partitions.readCommitted(BROKER.bootstrapServers(),
                prefix + ".completed", 0);
        assertThat(completions).hasSize(jobs);
        assertThat(completions.stream().map(ConsumerRecord::key).distinct()).hasSize(jobs);
    }

    @Test
    void aStepOfAnEarlierOwnershipChangesNothing() {
        JobState intent = intent("moved-1");
        journal.close(0);
        journal.open(0, p -> new JournalReader(kafka, mapper, config).read(p));

        assertThatThrownBy(() -> driver.apply(intent, new JobEvent.VideoMade("video-x", Duration.ofMinutes(10)))
                .await().atMost(WAIT)).isInstanceOf(NotOwnerException.class);
        JobState now = store.find("moved-1").orElseThrow();
        assertThat(now.status()).isEqualTo(JobStatus.SUBMITTING);
        assertThat(now.version()).isEqualTo(intent.version());

        Decision taken = driver.apply(now, new JobEvent.TakenOver()).await().atMost(WAIT);
        assertThat(taken.kind()).isEqualTo(Decision.Kind.UNCHANGED);
        assertThat(steps).containsExactly("reconcile moved-1");
    }

    @Test
    void aCancelOfAGeneratedJobIsRefusedWithItsReason() {
        JobState intent = intent("late-1");
        JobState submitted = driver.apply(intent, new JobEvent.VideoMade("video-l", Duration.ofMinutes(1)))
                .await().atMost(WAIT).next();
        driver.apply(submitted, new JobEvent.Generated(null)).await().atMost(WAIT);

        Decision cancel = driver.apply(null, "late-1", 0, new JobEvent.CancelRequested("late-1", 0)).await()
                .atMost(WAIT);

        assertThat(cancel.kind()).isEqualTo(Decision.Kind.REFUSED);
        assertThat(cancel.refusal().code()).isEqualTo("job_already_generated");
        assertThat(steps).containsExactly("follow late-1", "store late-1");
    }

    /** Writes down each step as it is called. */
    private record RecordingSteps(Queue<String> calls) implements JobSteps {
        @Override
        public void follow(JobState job) {
            calls.add("follow " + job.jobId());
        }

        @Override
        public void store(JobState job) {
            calls.add("store " + job.jobId());
        }

        @Override
        public void reconcile(JobState intent) {
            calls.add("reconcile " + intent.jobId());
        }

        @Override
        public void searchAndDelete(JobState cancelled) {
            calls.add("search " + cancelled.jobId());
        }

        @Override
        public void deleteVideo(JobState ended, String videoId) {
            calls.add("delete " + ended.jobId() + " " + videoId);
        }
    }
}
