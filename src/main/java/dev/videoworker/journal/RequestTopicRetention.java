package dev.videoworker.journal;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How long the request topic keeps a record, as its configuration says: the bound on how late a consumer whose offset
 * is lost can read a request again.
 *
 * @param topic the request topic's name
 * @param cleanupPolicy its {@code cleanup.policy}
 * @param retention its {@code retention.ms}; empty when {@code -1} (records are kept forever)
 * @param segment its {@code segment.ms}
 */
public record RequestTopicRetention(String topic, String cleanupPolicy, Optional<Duration> retention,
        Duration segment) {

    /**
     * What the worker gives a request topic it creates: Kafka's default retention, made explicit so a broker default
     * cannot surprise the start-up check, and day-long segments (see {@link #longestReadable()}).
     */
    static final Duration CREATED_RETENTION = Duration.ofDays(7);
    static final Duration CREATED_SEGMENT = Duration.ofDays(1);

    /** The topic as the worker creates it. */
    static RequestTopicRetention created(String topic) {
        return new RequestTopicRetention(topic, TopicConfig.CLEANUP_POLICY_DELETE, Optional.of(CREATED_RETENTION),
                CREATED_SEGMENT);
    }

    /** Reads the effective values (the broker's defaults included) from a topic's described configuration. */
    static RequestTopicRetention of(String topic, Config config) {
        long retentionMs = Long.parseLong(value(config, TopicConfig.RETENTION_MS_CONFIG));
        return new RequestTopicRetention(topic, value(config, TopicConfig.CLEANUP_POLICY_CONFIG),
                retentionMs < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(retentionMs)),
                Duration.ofMillis(Long.parseLong(value(config, TopicConfig.SEGMENT_MS_CONFIG))));
    }

    /**
     * True when some request records are never deleted: no time retention, or compaction alone (which keeps the
     * newest record of every key for good).
     */
    public boolean keepsForever() {
        boolean deletes = Arrays.stream(cleanupPolicy.split(","))
                .anyMatch(policy -> policy.trim().equals(TopicConfig.CLEANUP_POLICY_DELETE));
        return !deletes || retention.isEmpty();
    }

    /**
     * The longest a record can stay readable after it was written. Retention deletes whole segments, and only once
     * the newest record of a segment is older than {@code retention.ms}; a segment is closed after {@code segment.ms},
     * so its first record may outlive the retention by that much. Only meaningful when not {@link #keepsForever()}.
     */
    public Duration longestReadable() {
        return retention.orElseThrow().plus(segment);
    }

    private static String value(Config config, String name) {
        ConfigEntry entry = config.get(name);
        if (entry == null || entry.value() == null) {
            throw new IllegalStateException("the broker did not describe " + name + " of the request topic");
        }
        return entry.value();
    }

    /**
     * A duration in the largest unit that states it exactly ({@code 7d}, {@code 36h}, {@code 4s}, {@code 1500ms}): a
     * value the worker's configuration accepts as it is, so a message can be copied into it.
     */
    static String readable(Duration duration) {
        long ms = duration.toMillis();
        long[] sizes = {Duration.ofDays(1).toMillis(), Duration.ofHours(1).toMillis(), Duration.ofMinutes(1).toMillis(),
            1_000};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms != 0 && ms % sizes[i] == 0) {
                return ms / sizes[i] + units[i];
            }
        }
        return ms + "ms";
    }
}
