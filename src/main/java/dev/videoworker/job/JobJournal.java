package dev.videoworker.job;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import dev.videoworker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;

/**
 * Writes job state and the events that go with it, for the partitions this replica owns. Each owned partition has a
 * transactional producer whose id is the partition's: opening it fences the previous owner, and a state change and
 * its events are committed together (consumers reading {@code read_committed} see both or neither).
 */
@ApplicationScoped
public class JobJournal {

    private final Map<String, Object> kafkaConfig;
    private final String transactionalIdPrefix;
    private final Map<Integer, PartitionWriter> writers = new ConcurrentHashMap<>();

    public JobJournal(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, WorkerConfig config) {
        this.kafkaConfig = kafkaConfig;
        this.transactionalIdPrefix = config.jobs().transactionalIdPrefix() + "-" + config.topics().jobs() + "-";
    }

    /** Takes ownership of a partition (blocking): fences its previous owner and aborts that owner's open writes. */
    public void open(int partition) {
        writers.computeIfAbsent(partition, p -> {
            Map<String, Object> props = new HashMap<>();
            kafkaConfig.forEach((k, v) -> {
                if (ProducerConfig.configNames().contains(k)) {
                    props.put(k, v);
                }
            });
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalIdPrefix + p);
            props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "job-journal-" + p);
            PartitionWriter writer = new PartitionWriter(p, props, () -> writers.remove(p));
            Log.infof("owning partition %d of the job journal", p);
            return writer;
        });
    }

    /** Gives a partition up: queued writes are committed, later ones refused. */
    public void close(int partition) {
        PartitionWriter writer = writers.remove(partition);
        if (writer != null) {
            writer.close();
            Log.infof("released partition %d of the job journal", partition);
        }
    }

    public boolean owns(int partition) {
        return writers.containsKey(partition);
    }

    /**
     * Commits the records together; fails with {@link NotOwnerException} when the partition is not (or no longer)
     * ours.
     */
    public Uni<Void> write(int partition, List<ProducerRecord<String, String>> records) {
        PartitionWriter writer = writers.get(partition);
        if (writer == null) {
            return Uni.createFrom().failure(new NotOwnerException(partition));
        }
        return Uni.createFrom().completionStage(() -> writer.write(records));
    }

    @PreDestroy
    void closeAll() {
        for (Integer p : Set.copyOf(writers.keySet())) {
            close(p);
        }
    }
}
