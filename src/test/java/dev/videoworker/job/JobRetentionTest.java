package dev.videoworker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Finished jobs do not grow memory forever: slimmed after the retention, tombstoned in the journal after a longer one.
 */
@QuarkusTest
@QuarkusTestResource(WorkerTestResources.class)
@TestProfile(JobRetentionTest.ShortRetention.class)
class JobRetentionTest {

    /** Retention of seconds instead of hours. */
    public static class ShortRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("worker.jobs.retention", "1s", "worker.jobs.tombstone-after", "4s");
        }
    }

    static JobsClient jobs;

    @Inject
    JobStore store;

    @BeforeAll
    static void connect() {
        jobs = new JobsClient(WorkerTestResources.broker().bootstrapServers());
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        jobs.close();
    }

    @Test
    void slimsThenTombstonesFinishedJobs() throws Exception {
        String jobId = "retained-" + UUID.randomUUID();
        jobs.send(jobId, "{\"prompt\":\"short lived\",\"model\":\"no-such-model\",\"metadata\":{\"big\":\"x\"}}");
        jobs.awaitCompletion(jobId);
        int partition = store.find(jobId).orElseThrow().partition();

        await().atMost(10, TimeUnit.SECONDS).until(() -> store.find(jobId).map(s -> s.request() == null
                && s.metadata() == null).orElse(false));
        assertThat(store.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.REJECTED);

        await().atMost(20, TimeUnit.SECONDS).until(() -> store.find(jobId).isEmpty());
        await().atMost(10, TimeUnit.SECONDS).until(() -> lastValue("video.jobs", partition, jobId) == Tombstone.YES);
    }

    enum Tombstone { YES, NO, ABSENT }

    private static Tombstone lastValue(String topic, int partition, String key) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResources.broker().bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Tombstone last = Tombstone.ABSENT;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        last = r.value() == null ? Tombstone.YES : Tombstone.NO;
                    }
                }
            }
        }
        return last;
    }
}
