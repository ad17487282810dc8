package dev.videoworker.journal;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.producer.ProducerConfig;

import dev.videoworker.config.KafkaClientProps;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
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
    private final AtomicLong epochs = new AtomicLong();
    private final JobStore store;
    private volatile IntConsumer broken = p -> Log.errorf("partition %d of the job journal is not served any more", p);

    public JobJournal(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, WorkerConfig config,
            JobStore store) {
        this.kafkaConfig = kafkaConfig;
        this.store = store;
        this.transactionalIdPrefix = config.jobs().transactionalIdPrefix() + "-" + config.topics().jobs() + "-";
    }

    /**
     * Takes ownership of a partition (blocking): fences its previous owner (aborting that owner's open writes),
     * rebuilds the partition's jobs with {@code rebuild}, and only then takes writes for it. Returns the rebuilt jobs,
     * now in the in-memory view under this ownership. Does nothing (and returns nothing) when already owned.
     */
    public Collection<JobState> open(int partition, IntFunction<Collection<JobState>> rebuild) {
        if (writers.containsKey(partition)) {
            return List.of();
        }
        Map<String, Object> props = KafkaClientProps.producer(kafkaConfig, "job-journal-" + partition);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalIdPrefix + partition);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        long epoch = epochs.incrementAndGet();
        // A writer fenced later must not remove a newer writer of the same partition from the map.
        PartitionWriter[] self = new PartitionWriter[1];
        PartitionWriter writer = new PartitionWriter(partition, epoch, store, props,
                () -> writers.remove(partition, self[0]), () -> {
                    if (writers.remove(partition, self[0])) {
                        // Its own thread: taking over again opens a producer and reads the partition (blocking),
                        // and must not wait on the writer's thread that reports the failure.
                        Thread retake = new Thread(() -> broken.accept(partition), "job-journal-retake-" + partition);
                        retake.setDaemon(true);
                        retake.start();
                    }
                });
        self[0] = writer;
        List<JobState> jobs;
        try {
            jobs = rebuild.apply(partition).stream().map(s -> s.inEpoch(epoch)).toList();
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
        store.adopt(jobs);
        writers.put(partition, writer);
        Log.infof("owning partition %d of the job journal (ownership %d)", partition, epoch);
        return jobs;
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
     * Runs {@code retake} (on a thread of its own) when the producer of an owned partition fails in a way it cannot
     * recover from (not a take-over by another replica): the outcome of its last transaction is unknown, so the
     * partition must be opened and read again before its jobs are driven further.
     */
    public void onBroken(IntConsumer retake) {
        this.broken = retake;
    }

    /** The current ownership of a partition, 0 when this replica does not own it. */
    public long epoch(int partition) {
        PartitionWriter writer = writers.get(partition);
        return writer == null ? 0 : writer.epoch();
    }

    /**
     * Commits the write (if the job is still where the write found it); completes with the committed state (null
     * when the write does not change it). Fails with {@link NotOwnerException} when the partition is not (or no
     * longer) ours, with {@link StaleStateException} when another transition of the job was committed first.
     */
    Uni<JobState> write(int partition, JobWrite write) {
        PartitionWriter writer = writers.get(partition);
        if (writer == null) {
            return Uni.createFrom().failure(new NotOwnerException(partition));
        }
        return Uni.createFrom().completionStage(() -> writer.write(write));
    }

    @PreDestroy
    public void closeAll() {
        for (Integer p : Set.copyOf(writers.keySet())) {
            close(p);
        }
    }
}
