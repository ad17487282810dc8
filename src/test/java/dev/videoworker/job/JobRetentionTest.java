package dev.videoworker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
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

    /** Retention of seconds instead of hours. */
    public static class ShortRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("worker.jobs.retention", "1s", "worker.jobs.tombstone-after", "4s");
        }
    }

    @Inject
    JobStore store;

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
