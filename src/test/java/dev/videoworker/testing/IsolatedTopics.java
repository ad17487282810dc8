package dev.videoworker.testing;

import java.util.HashMap;
import java.util.Map;

import dev.videoworker.pipeline.JobsClient;

/**
 * Topics, consumer group and transactional ids of their own for a test whose worker must not see other tests' jobs
 * (the shared broker keeps them, and a rebuilt partition brings them back).
 */
public record IsolatedTopics(String prefix) {

    public String requests() {
        return prefix + ".requests";
    }

    /** Configuration that points the worker at these topics, plus {@code more}. */
    public Map<String, String> config(Map<String, String> more) {
        Map<String, String> config = new HashMap<>(more);
        config.put("worker.topics.requests", requests());
        config.put("worker.topics.jobs", prefix + ".jobs");
        config.put("worker.topics.status", prefix + ".status");
        config.put("worker.topics.completed", prefix + ".completed");
        config.put("worker.topics.dlq", prefix + ".dlq");
        config.put("worker.jobs.transactional-id-prefix", prefix);
        config.put("mp.messaging.incoming.video-requests.group.id", prefix);
        return config;
    }

    /** A client that sends to and reads from these topics. */
    public JobsClient client() {
        return new JobsClient(WorkerTestResources.broker().bootstrapServers(), requests(), prefix + ".status",
                prefix + ".completed", prefix + ".dlq");
    }
}
