package dev.videoworker.testing;

import java.util.Map;

import org.apache.kafka.common.config.TopicConfig;

/**
 * Creates the worker's topics the way an operator provisions them: the job-state topic compacted and with as many
 * partitions as the request topic, which the job-ownership design depends on.
 */
public final class WorkerTopics {

    public static final String REQUESTS = "video.requests";
    public static final String JOBS = "video.jobs";
    public static final String STATUS = "video.status";
    public static final String COMPLETED = "video.completed";
    public static final String DLQ = "video.requests.dlq";

    public static final int PARTITIONS = 3;

    private WorkerTopics() {
    }

    /** Idempotent: topics that exist already are left alone. */
    public static void create(KafkaBroker broker) {
        broker.createTopic(REQUESTS, PARTITIONS, Map.of());
        broker.createTopic(JOBS, PARTITIONS,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        broker.createTopic(STATUS, PARTITIONS, Map.of());
        broker.createTopic(COMPLETED, PARTITIONS, Map.of());
        broker.createTopic(DLQ, PARTITIONS, Map.of());
    }
}
