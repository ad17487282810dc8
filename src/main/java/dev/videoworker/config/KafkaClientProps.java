package dev.videoworker.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Settings for the Kafka clients the worker makes itself (the journal's producers and readers, the fleet view, the
 * cancel scanner, the fleet status): the application's shared Kafka configuration ({@code kafka.*}: servers, security)
 * narrowed to the keys the kind of client knows, so none logs warnings about the others, plus a client id.
 */
public final class KafkaClientProps {

    private KafkaClientProps() {
    }

    /**
     * A consumer outside any group that commits nothing and reads committed records only (of transactional
     * producers: the job journal).
     */
    public static Map<String, Object> committedReader(Map<String, Object> shared, String clientId) {
        Map<String, Object> props = consumer(shared, clientId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    /** A consumer that never commits (auto-commit off); a group id only when the caller adds one. */
    public static Map<String, Object> consumer(Map<String, Object> shared, String clientId) {
        Map<String, Object> props = only(shared, ConsumerConfig.configNames());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    public static Map<String, Object> producer(Map<String, Object> shared, String clientId) {
        Map<String, Object> props = only(shared, ProducerConfig.configNames());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    public static Map<String, Object> admin(Map<String, Object> shared, String clientId) {
        Map<String, Object> props = only(shared, AdminClientConfig.configNames());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    private static Map<String, Object> only(Map<String, Object> shared, Set<String> known) {
        Map<String, Object> props = new HashMap<>();
        shared.forEach((k, v) -> {
            if (known.contains(k)) {
                props.put(k, v);
            }
        });
        return props;
    }
}
