package dev.videoworker.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;

/**
 * The rule behind safe forgetting, without a broker: a job is never tombstoned while its request can still be read.
 */
class ForgettingRuleTest {

    private static WorkerConfig.Jobs jobs(String tombstoneAfter, String margin) {
        return TestConfig.worker(Map.of("worker.jobs.tombstone-after", tombstoneAfter,
                "worker.jobs.tombstone-margin", margin)).jobs();
    }

    private static RequestTopicRetention deleting(String policy, Duration retention, Duration segment) {
        return new RequestTopicRetention("video.requests", policy, Optional.of(retention), segment);
    }

    @Test
    void aRequestReadAgainIsNeverOneWhoseJobWasAlreadyTombstoned() {
        RequestTopicRetention topic = deleting("delete", Duration.ofDays(7), Duration.ofDays(7));
        Duration after = TopicSetup.forgetting(jobs("15d", "1d"), topic).orElseThrow();

        // Worst case: the request opens a segment that stays open for segment.ms, and its job ends at once.
        Instant written = Instant.parse("2026-12-01T00:00:00Z");
        Instant lastReadable = written.plus(topic.segment()).plus(topic.retention().orElseThrow());
        Instant tombstoned = written.plus(after);

        assertThat(tombstoned).isAfter(lastReadable);
    }

    @Test
    void acceptsExactlyTheBoundAndRefusesAMillisecondLess() {
        RequestTopicRetention topic = deleting("delete", Duration.ofHours(20), Duration.ofHours(3));

        assertThat(TopicSetup.forgetting(jobs("24h", "1h"), topic)).contains(Duration.ofHours(24));
        assertThatThrownBy(() -> TopicSetup.forgetting(jobs("86399999ms", "1h"), topic))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker.jobs.tombstone-after (86399999ms) must be at least 1d")
                .hasMessageContaining("retention.ms (20h) + segment.ms (3h)")
                .hasMessageContaining("worker.jobs.tombstone-margin (1h)");
    }

    @Test
    void compactionWithDeletionIsBoundedByTheRetentionButCompactionAloneIsNot() {
        Duration retention = Duration.ofDays(1);
        Duration segment = Duration.ofHours(1);

        assertThat(deleting("compact,delete", retention, segment).keepsForever()).isFalse();
        assertThat(deleting("compact, delete", retention, segment).longestReadable()).isEqualTo(Duration.ofHours(25));
        assertThat(deleting("compact", retention, segment).keepsForever()).isTrue();
        assertThat(new RequestTopicRetention("video.requests", "delete", Optional.empty(), segment).keepsForever())
                .isTrue();
        assertThat(TopicSetup.forgetting(jobs("1s", "0s"), deleting("compact", retention, segment))).isEmpty();
    }
}
