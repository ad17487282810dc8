package dev.videoworker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import dev.videoworker.config.TestConfig;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.WorkerTestResources;

/**
 * Start-up topic checks on a real broker.
 */
class TopicSetupTest {

    static final KafkaBroker BROKER = WorkerTestResources.broker();

    private static TopicSetup setup(String prefix, int partitions) {
        return new TopicSetup(TestConfig.worker(Map.of(
                "worker.topics.requests", prefix + ".requests",
                "worker.topics.jobs", prefix + ".jobs",
                "worker.topics.status", prefix + ".status",
                "worker.topics.completed", prefix + ".completed",
                "worker.topics.dlq", prefix + ".dlq",
                "worker.topics.partitions", String.valueOf(partitions))), BROKER.bootstrapServers());
    }

    @Test
    void createsMissingTopicsWithACompactedJournalMirroringTheRequestPartitions() throws Exception {
        String prefix = "setup-" + UUID.randomUUID();
        BROKER.createTopic(prefix + ".requests", 5, Map.of());
        setup(prefix, 2).onStart(null);

        try (Admin admin = BROKER.admin()) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(prefix + ".jobs", prefix + ".status",
                    prefix + ".completed", prefix + ".dlq")).allTopicNames().get();
            assertThat(topics.get(prefix + ".jobs").partitions()).hasSize(5);
            assertThat(topics.get(prefix + ".status").partitions()).hasSize(2);
            ConfigResource jobs = new ConfigResource(ConfigResource.Type.TOPIC, prefix + ".jobs");
            Config config = admin.describeConfigs(List.of(jobs)).all().get().get(jobs);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    void refusesToStartWhenTheJournalAndRequestPartitionCountsDiffer() {
        String prefix = "mismatch-" + UUID.randomUUID();
        BROKER.createTopic(prefix + ".requests", 4, Map.of());
        BROKER.createTopic(prefix + ".jobs", 3, Map.of("cleanup.policy", "compact"));

        assertThatThrownBy(() -> setup(prefix, 3).onStart(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(prefix + ".jobs has 3 partitions")
                .hasMessageContaining(prefix + ".requests has 4")
                .hasMessageContaining("same count");
    }
}
