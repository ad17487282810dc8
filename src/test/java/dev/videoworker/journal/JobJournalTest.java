package dev.videoworker.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.Partitions;
import dev.videoworker.testing.WorkerTestResources;

/**
 * The job journal on a real broker: a new owner of a partition fences the old one, and what a fenced owner tried to
 * write never becomes visible.
 */
class JobJournalTest {

    static KafkaBroker broker;

    @BeforeAll
    static void broker() {
        broker = WorkerTestResources.broker();
    }

    private static WorkerConfig config(String topic, String prefix) {
        return TestConfig.worker(Map.of("worker.topics.jobs", topic, "worker.jobs.transactional-id-prefix", prefix));
    }

    private static Map<String, Object> kafka() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", broker.bootstrapServers());
        return props;
    }

    @Test
    void aNewOwnerFencesThePreviousOneAndOnlyItsWritesAreVisible() {
        String topic = "journal-fencing-" + UUID.randomUUID();
        broker.createTopic(topic, 2, Map.of("cleanup.policy", "compact"));
        String prefix = "test-" + UUID.randomUUID();
        JobJournal old = new JobJournal(kafka(), config(topic, prefix), new JobStore());
        JobJournal next = new JobJournal(kafka(), config(topic, prefix), new JobStore());
        try {
            old.open(1, p -> List.of());
            old.write(1, raw(record(topic, "job-a", "from-old-before"))).await().atMost(Duration.ofSeconds(30));

            next.open(1, p -> List.of());
            assertThatThrownBy(() -> old.write(1, raw(record(topic, "job-a", "from-old-after")))
                    .await().atMost(Duration.ofSeconds(30)))
                    .isInstanceOfAny(NotOwnerException.class, CompletionException.class);
            assertThat(old.owns(1)).isFalse();
            next.write(1, raw(record(topic, "job-a", "from-new"))).await().atMost(Duration.ofSeconds(30));

            assertThat(committedValues(topic, 1)).containsExactly("from-old-before", "from-new");
        } finally {
            old.closeAll();
            next.closeAll();
        }
    }

    @Test
    void refusesWritesForPartitionsItDoesNotOwn() {
        String topic = "journal-owner-" + UUID.randomUUID();
        broker.createTopic(topic, 2, Map.of("cleanup.policy", "compact"));
        JobJournal journal = new JobJournal(kafka(), config(topic, "test-" + UUID.randomUUID()), new JobStore());
        try {
            assertThatThrownBy(() -> journal.write(0, raw(record(topic, "job-b", "x")))
                    .await().atMost(Duration.ofSeconds(10))).isInstanceOf(NotOwnerException.class);
            journal.open(0, p -> List.of());
            journal.close(0);
            assertThatThrownBy(() -> journal.write(0, raw(record(topic, "job-b", "x")))
                    .await().atMost(Duration.ofSeconds(10))).isInstanceOf(NotOwnerException.class);
        } finally {
            journal.closeAll();
        }
    }

    @Test
    void rebuildsTheLastStateOfEachJobAndForgetsTombstonedOnes() throws Exception {
        String topic = "journal-rebuild-" + UUID.randomUUID();
        broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        WorkerConfig config = config(topic, "test-" + UUID.randomUUID());
        ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule());
        JobJournal journal = new JobJournal(kafka(), config, new JobStore());
        try {
            journal.open(0, p -> List.of());
            JobState first = JobState.rejected("job-1", 0, null, JobError.of("x", "first"), Instant.now(),
                    Instant.now(), null);
            JobState second = JobState.rejected("job-1", 0, null, JobError.of("x", "second"),
                    Instant.now(), Instant.now(), null);
            JobState gone = JobState.rejected("job-2", 0, null, JobError.of("x", "gone"), Instant.now(),
                    Instant.now(), null);
            journal.write(0, new JobWrite("job-1", 0, 0, null, false, List.of(
                    new ProducerRecord<>(topic, 0, "job-1", mapper.writeValueAsString(first)),
                    new ProducerRecord<>(topic, 0, "job-2", mapper.writeValueAsString(gone)),
                    new ProducerRecord<>(topic, 0, "job-1", mapper.writeValueAsString(second)),
                    new ProducerRecord<String, String>(topic, 0, "job-2", null))))
                    .await().atMost(Duration.ofSeconds(30));

            List<JobState> rebuilt = new ArrayList<>(new JournalReader(kafka(), mapper, config).read(0));
            assertThat(rebuilt).hasSize(1);
            assertThat(rebuilt.get(0).jobId()).isEqualTo("job-1");
            assertThat(rebuilt.get(0).error().message()).isEqualTo("second");
            assertThat(rebuilt.get(0).version()).as("a state written before versions is version 1").isEqualTo(1);
        } finally {
            journal.closeAll();
        }
    }

    /** The state a writer hears was committed is the very object the store holds: a waiting job is held once. */
    @Test
    void theWriterHearsOfTheStateTheStoreHolds() throws Exception {
        String topic = "journal-one-object-" + UUID.randomUUID();
        broker.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule());
        JobStore store = new JobStore();
        JobJournal journal = new JobJournal(kafka(), config(topic, "test-" + UUID.randomUUID()), store);
        try {
            journal.open(0, p -> List.of());
            JobState state = JobState.rejected("job-3", 0, null, JobError.of("x", "one"), Instant.now(),
                    Instant.now(), null).asVersion(1);
            JobState written = journal.write(0, new JobWrite("job-3", 0, 0, state, false, List.of(
                    new ProducerRecord<>(topic, 0, "job-3", mapper.writeValueAsString(state)))))
                    .await().atMost(Duration.ofSeconds(30));

            assertThat(written.epoch()).as("stamped with this ownership").isNotZero();
            assertThat(written).isSameAs(store.find("job-3").orElseThrow());
        } finally {
            journal.closeAll();
        }
    }

    /** Records that change no job state (so no version check applies). */
    private static JobWrite raw(ProducerRecord<String, String> record) {
        return new JobWrite(record.key(), 0, 0, null, false, List.of(record));
    }

    private static ProducerRecord<String, String> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, 1, key, value);
    }

    private static List<String> committedValues(String topic, int partition) {
        return Partitions.readCommitted(broker.bootstrapServers(), topic, partition).stream()
                .map(ConsumerRecord::value).toList();
    }
}
