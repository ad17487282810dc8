package dev.videoworker.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.videoworker.job.JobStatus;
import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.IsolatedTopics;
import dev.videoworker.testing.Partitions;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Finished jobs do not grow memory forever: slimmed after the retention, tombstoned in the journal after a longer one.
 */
@QuarkusTest
@TestProfile(JobRetentionTest.ShortRetention.class)
class JobRetentionTest extends WorkerTest {

    static final IsolatedTopics TOPICS = new IsolatedTopics("retention-test");

    /**
     * Retention of seconds instead of hours. Tombstones after 4 s are only allowed when requests are kept shorter,
     * so this test's request topic keeps them at most 4 s (retention 3 s, segments of 1 s) and the margin is off.
     */
    public static class ShortRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The worker would create the topic with a week's retention; it must exist before the worker starts.
            WorkerTestResources.broker().createTopic(TOPICS.requests(), 3,
                    Map.of("retention.ms", "3000", "segment.ms", "1000"));
            return TOPICS.config(Map.of("worker.jobs.retention", "1s", "worker.jobs.tombstone-after", "4s",
                    "worker.jobs.tombstone-margin", "0s"));
        }
    }

    static JobsClient client;

    @Inject
    JobStore store;

    @BeforeAll
    static void connect() {
        client = TOPICS.client();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        client.close();
    }

    @Test
    void slimsThenTombstonesFinishedJobs() throws Exception {
        String jobId = "retained-" + UUID.randomUUID();
        client.send(jobId, "{\"prompt\":\"short lived\",\"model\":\"no-such-model\",\"metadata\":{\"big\":\"x\"}}");
        client.awaitCompletion(jobId);
        int partition = store.find(jobId).orElseThrow().partition();

        await().atMost(10, TimeUnit.SECONDS).until(() -> store.find(jobId).map(s -> s.request() == null
                && s.metadata() == null).orElse(false));
        assertThat(store.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.REJECTED);

        await().atMost(20, TimeUnit.SECONDS).until(() -> store.find(jobId).isEmpty());
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> lastValue(TOPICS.prefix() + ".jobs", partition, jobId) == Tombstone.YES);
    }

    enum Tombstone { YES, NO, ABSENT }

    private static Tombstone lastValue(String topic, int partition, String key) {
        Tombstone last = Tombstone.ABSENT;
        for (ConsumerRecord<String, String> r : Partitions.readCommitted(
                WorkerTestResources.broker().bootstrapServers(), topic, partition)) {
            if (key.equals(r.key())) {
                last = r.value() == null ? Tombstone.YES : Tombstone.NO;
            }
        }
        return last;
    }
}
