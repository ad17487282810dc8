package dev.videoworker.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import dev.videoworker.config.NoJmxReporter;
import dev.videoworker.config.TestConfig;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.WorkerTestResources;

/**
 * Start-up topic checks on a real broker: partition counts, and that finished jobs are only forgotten once their
 * requests cannot be read again.
 */
class TopicSetupTest {

    static final KafkaBroker BROKER = WorkerTestResources.broker();

    private static TopicSetup setup(String prefix, int partitions) {
        return setup(prefix, partitions, Map.of());
    }

    private static TopicSetup setup(String prefix, int partitions, Map<String, String> more) {
        return setup(prefix, partitions, more, Map.of("bootstrap.servers", BROKER.bootstrapServers()));
    }

    private static TopicSetup setup(String prefix, int partitions, Map<String, String> more,
            Map<String, Object> kafka) {
        Map<String, String> config = new HashMap<>(more);
        config.put("worker.topics.requests", prefix + ".requests");
        config.put("worker.topics.jobs", prefix + ".jobs");
        config.put("worker.topics.status", prefix + ".status");
        config.put("worker.topics.completed", prefix + ".completed");
        config.put("worker.topics.dlq", prefix + ".dlq");
        config.put("worker.topics.partitions", String.valueOf(partitions));
        return new TopicSetup(TestConfig.worker(config), kafka);
    }

    /**
     * Creates a topic and waits until the broker lists it: the start-up decides from the list whether the request
     * topic exists, and a topic created a moment ago may not be in it yet.
     */
    private static void createTopic(String name, int partitions, Map<String, String> configs) {
        BROKER.createTopic(name, partitions, configs);
        try (Admin admin = BROKER.admin()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.listTopics().names().get().contains(name));
        }
    }

    private static String days(int days) {
        return String.valueOf(Duration.ofDays(days).toMillis());
    }

    @Test
    void createsMissingTopicsWithACompactedJournalMirroringTheRequestPartitions() throws Exception {
        String prefix = "setup-" + UUID.randomUUID();
        createTopic(prefix + ".requests", 5, Map.of());
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

    /** A reporter that notes the clients it is configured for: shows which settings a client was made with. */
    public static class NotingReporter extends NoJmxReporter {
        static final Map<Object, Map<String, ?>> CLIENTS = new ConcurrentHashMap<>();

        @Override
        public void configure(Map<String, ?> configs) {
            CLIENTS.put(configs.get("client.id"), Map.copyOf(configs));
        }
    }

    @Test
    void theTopicCheckIsMadeWithTheSharedKafkaSettings() throws Exception {
        // kafka.* (security, reporters) reaches the check's admin client, not only the servers; keys it does not know
        // (a consumer's group) are left out instead of logged as unknown
        String prefix = "shared-" + UUID.randomUUID();
        createTopic(prefix + ".requests", 2, Map.of());
        setup(prefix, 2, Map.of(), Map.of("bootstrap.servers", BROKER.bootstrapServers(), "metric.reporters",
                NotingReporter.class.getName(), "group.id", "not-for-an-admin")).onStart(null);
        assertThat(NotingReporter.CLIENTS).containsKey("topic-setup");
        assertThat(NotingReporter.CLIENTS.get("topic-setup")).doesNotContainKey("group.id");
    }

    @Test
    void refusesToStartWhenTheJournalAndRequestPartitionCountsDiffer() {
        String prefix = "mismatch-" + UUID.randomUUID();
        createTopic(prefix + ".requests", 4, Map.of());
        createTopic(prefix + ".jobs", 3, Map.of("cleanup.policy", "compact"));

        assertThatThrownBy(() -> setup(prefix, 3).onStart(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(prefix + ".jobs has 3 partitions")
                .hasMessageContaining(prefix + ".requests has 4")
                .hasMessageContaining("same count");
    }

    @Test
    void refusesToForgetJobsWhileTheirRequestsCanStillBeReadAndSaysWhatToChange() throws Exception {
        String prefix = "forget-early-" + UUID.randomUUID();
        createTopic(prefix + ".requests", 3, Map.of());

        assertThatThrownBy(() -> setup(prefix, 3, Map.of("worker.jobs.tombstone-after", "7d")).onStart(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker.jobs.tombstone-after (7d) must be at least 15d")
                .hasMessageContaining("a record of " + prefix + ".requests can be read again up to retention.ms (7d)"
                        + " + segment.ms (7d)")
                .hasMessageContaining("worker.jobs.tombstone-margin (1d)")
                .hasMessageContaining("paid for again")
                .hasMessageContaining("Set worker.jobs.tombstone-after to 15d or more, or lower retention.ms or "
                        + "segment.ms of " + prefix + ".requests");
        try (Admin admin = BROKER.admin()) {
            assertThat(admin.listTopics().names().get()).filteredOn(name -> name.startsWith(prefix))
                    .containsExactly(prefix + ".requests");
        }
    }

    @Test
    void acceptsATombstoneDelayBeyondWhatTheRequestTopicKeeps() throws Exception {
        String prefix = "forget-late-" + UUID.randomUUID();
        createTopic(prefix + ".requests", 3, Map.of("retention.ms", days(2), "segment.ms", days(1)));
        TopicSetup setup = setup(prefix, 3, Map.of("worker.jobs.tombstone-after", "4d"));

        setup.onStart(null);

        assertThat(setup.tombstoneAfter()).contains(Duration.ofDays(4));
    }

    @Test
    void refusesADelayThatOnlyTheMarginMakesTooShort() {
        String prefix = "forget-margin-" + UUID.randomUUID();
        createTopic(prefix + ".requests", 3, Map.of("retention.ms", days(2), "segment.ms", days(1)));

        assertThatThrownBy(() -> setup(prefix, 3, Map.of("worker.jobs.tombstone-after", "4d",
                "worker.jobs.tombstone-margin", "36h")).onStart(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker.jobs.tombstone-after (4d) must be at least 108h");
    }

    @Test
    void neverTombstonesWhenTheRequestTopicKeepsRecordsForever() throws Exception {
        String forever = "forget-never-" + UUID.randomUUID();
        createTopic(forever + ".requests", 3, Map.of("retention.ms", "-1"));
        TopicSetup unlimited = setup(forever, 3, Map.of("worker.jobs.tombstone-after", "1s"));
        unlimited.onStart(null);
        assertThat(unlimited.tombstoneAfter()).isEmpty();

        String compacted = "forget-compacted-" + UUID.randomUUID();
        createTopic(compacted + ".requests", 3, Map.of("cleanup.policy", "compact"));
        TopicSetup keyed = setup(compacted, 3, Map.of());
        keyed.onStart(null);
        assertThat(keyed.tombstoneAfter()).isEmpty();
    }

    @Test
    void theDefaultConfigurationStartsAgainstARequestTopicWithKafkasDefaults() throws Exception {
        String prefix = "forget-default-" + UUID.randomUUID();
        createTopic(prefix + ".requests", 3, Map.of());
        TopicSetup setup = setup(prefix, 3);

        setup.onStart(null);

        assertThat(setup.tombstoneAfter()).contains(Duration.ofDays(15));
    }

    @Test
    void createsTheRequestTopicWithTheRetentionItChecksAgainst() throws Exception {
        String prefix = "forget-created-" + UUID.randomUUID();
        TopicSetup setup = setup(prefix, 2);

        setup.onStart(null);

        assertThat(setup.tombstoneAfter()).contains(Duration.ofDays(15));
        try (Admin admin = BROKER.admin()) {
            ConfigResource requests = new ConfigResource(ConfigResource.Type.TOPIC, prefix + ".requests");
            Config config = admin.describeConfigs(List.of(requests)).all().get().get(requests);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(config.get("retention.ms").value()).isEqualTo(days(7));
            assertThat(config.get("segment.ms").value()).isEqualTo(days(1));
        }
    }

    @Test
    void refusesBeforeCreatingARequestTopicItWouldThenRefuse() throws Exception {
        String prefix = "forget-uncreated-" + UUID.randomUUID();

        assertThatThrownBy(() -> setup(prefix, 2, Map.of("worker.jobs.tombstone-after", "3d")).onStart(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker.jobs.tombstone-after (3d) must be at least 9d");
        try (Admin admin = BROKER.admin()) {
            assertThat(admin.listTopics().names().get()).noneMatch(name -> name.startsWith(prefix));
        }
    }
}
