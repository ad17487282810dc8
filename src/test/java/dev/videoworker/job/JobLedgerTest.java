package dev.videoworker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.EventPublisher;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.request.VideoRequest;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.WorkerTestResources;
import dev.videoworker.trace.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One chain drives a job: a write derived from a state that is no longer the job's current one is refused, also
 * after the partition was given up and taken back by the same replica (its old work must not complete the job again).
 */
class JobLedgerTest {

    static final KafkaBroker BROKER = WorkerTestResources.broker();

    @Test
    void refusesWritesFromAStaleViewOfTheJob() {
        String prefix = "ledger-" + UUID.randomUUID();
        BROKER.createTopic(prefix + ".jobs", 1, Map.of("cleanup.policy", "compact"));
        WorkerConfig config = TestConfig.worker(Map.of(
                "worker.topics.jobs", prefix + ".jobs",
                "worker.topics.status", prefix + ".status",
                "worker.topics.completed", prefix + ".completed",
                "worker.jobs.transactional-id-prefix", prefix));
        Map<String, Object> kafka = new HashMap<>();
        kafka.put("bootstrap.servers", BROKER.bootstrapServers());
        ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule());
        JobStore store = new JobStore();
        JobJournal journal = new JobJournal(kafka, config);
        JobLedger ledger = new JobLedger(store, journal, new EventPublisher(null, mapper, config, new Tracing(OpenTelemetry.noop())), mapper, config,
                new WorkerMetrics(new SimpleMeterRegistry(), store));
        Duration wait = Duration.ofSeconds(30);
        try {
            journal.open(0);
            VideoRequest request = new VideoRequest("job-1", "sora-2", "a cat", "720x1280", "4", null, null, null,
                    null, null);
            JobState intent = ledger.record(null, JobState.submitting(request, 0, null, Instant.now(),
                    Instant.now(), null)).await().atMost(wait);
            JobState submitted = ledger.record(intent, intent.submitted("video_1", Instant.now(), Instant.now()))
                    .await().atMost(wait);

            assertThatThrownBy(() -> ledger.record(intent, intent.ended(JobStatus.FAILED, JobError.of("x", "late"),
                    Instant.now())).await().atMost(wait)).isInstanceOf(NotOwnerException.class);

            // The partition is given up and taken back: the rebuilt job is a new value, old work is stale.
            journal.close(0);
            store.release(0);
            journal.open(0);
            Collection<JobState> rebuilt = new JournalReader(kafka, mapper, config).read(0);
            store.adopt(rebuilt);
            JobState current = store.find("job-1").orElseThrow();
            assertThat(current.status()).isEqualTo(JobStatus.SUBMITTED);
            assertThatThrownBy(() -> ledger.record(submitted, submitted.ended(JobStatus.FAILED,
                    JobError.of("x", "old chain"), Instant.now())).await().atMost(wait))
                    .isInstanceOf(NotOwnerException.class);
            assertThat(ledger.record(current, current.progressed(JobStatus.IN_PROGRESS, 10, Instant.now()))
                    .await().atMost(wait).progress()).isEqualTo(10);
        } finally {
            journal.closeAll();
        }
    }
}
