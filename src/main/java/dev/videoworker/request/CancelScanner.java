package dev.videoworker.request;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.videoworker.config.ConsumerThread;
import dev.videoworker.config.KafkaClientProps;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.driver.JobDriver;
import dev.videoworker.job.Decision;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.journal.JobStore;
import dev.videoworker.log.LogText;
import dev.videoworker.submit.GenerationSlots;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Reads the request partitions this replica owns ahead of the request consumer, for forwarded cancels only (records
 * with {@link RequestConsumer#CANCEL_HEADER}), and decides each at once. The request consumer reads a partition in
 * order and holds while jobs wait for a generation slot ({@code worker.jobs.max-in-flight}), so a cancel forwarded by
 * another replica would otherwise wait behind the partition's backlog, possibly until the job it cancels had been
 * generated and paid for. A job whose request waits for a slot gives it up at once ({@link GenerationSlots#withdraw}).
 * When the request consumer reaches the same record it skips it (the job is cancelled already).
 * <p>
 * A consumer outside the group ({@code assign}; the group id only to read where the group has got to), on a thread of
 * its own: it starts each partition it takes over at the group's committed offset (cancels before it were decided
 * already), never commits, and only ever asks the job's driver, which refuses any partition this replica no longer
 * owns. Runs with the fleet view ({@code worker.fleet-view.enabled}), which is what forwards cancels.
 */
@ApplicationScoped
public class CancelScanner {

    static final Duration POLL = Duration.ofMillis(200);
    static final Duration RETRY = Duration.ofSeconds(2);

    private final Map<String, Object> kafkaConfig;
    private final String topic;
    private final String group;
    private final boolean enabled;
    private final IntPredicate owns;
    private final JobDriver driver;
    private final JobStore store;
    private final GenerationSlots slots;
    private final ConsumerThread thread;

    @Inject
    public CancelScanner(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, WorkerConfig config,
            @ConfigProperty(name = "mp.messaging.incoming.video-requests.group.id") String group, JobJournal journal,
            JobDriver driver, JobStore store, GenerationSlots slots) {
        this.kafkaConfig = kafkaConfig;
        this.topic = config.topics().requests();
        this.group = group;
        this.enabled = config.fleetView().enabled();
        this.owns = journal::owns;
        this.driver = driver;
        this.store = store;
        this.slots = slots;
        this.thread = new ConsumerThread("cancel-scanner", "the cancel scanner reading " + LogText.safe(topic), RETRY,
                this::scan);
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            thread.start();
        }
    }

    @PreDestroy
    void stop() {
        thread.stop();
    }

    /** False when the scanner's reader thread has died (see {@link ConsumerThread#alive()}). */
    public boolean readerAlive() {
        return thread.alive();
    }

    private void scan() {
        Map<String, Object> props = KafkaClientProps.consumer(kafkaConfig, "cancel-scanner");
        // The group's id lets it read the group's committed offsets; it never joins the group or commits.
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Only keys and headers matter here: values (requests can carry inline images) are fetched but never copied.
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 256 * 1024);
        Deserializer<byte[]> skipValues = new Deserializer<>() {
            @Override
            public byte[] deserialize(String topicName, byte[] data) {
                return null;
            }

            @Override
            public byte[] deserialize(String topicName, Headers headers, ByteBuffer data) {
                // the default copies the buffer into an array first
                return null;
            }
        };
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), skipValues)) {
            if (!thread.use(c)) {
                return;
            }
            List<PartitionInfo> infos = c.partitionsFor(topic);
            Set<TopicPartition> assigned = new HashSet<>();
            while (thread.running()) {
                Set<TopicPartition> owned = new HashSet<>();
                for (PartitionInfo info : infos) {
                    if (owns.test(info.partition())) {
                        owned.add(new TopicPartition(topic, info.partition()));
                    }
                }
                if (!owned.equals(assigned)) {
                    Set<TopicPartition> added = new HashSet<>(owned);
                    added.removeAll(assigned);
                    c.assign(owned);
                    if (!added.isEmpty()) {
                        // Where the group has got to: cancels before it were decided by the request consumer.
                        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(added);
                        for (TopicPartition tp : added) {
                            OffsetAndMetadata at = committed.get(tp);
                            if (at != null) {
                                c.seek(tp, at.offset());
                            } else {
                                c.seekToBeginning(List.of(tp));
                            }
                        }
                    }
                    assigned = owned;
                }
                if (assigned.isEmpty()) {
                    Thread.sleep(POLL.toMillis());
                    continue;
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    decide(r);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void decide(ConsumerRecord<String, byte[]> r) {
        Header header = r.headers().lastHeader(RequestConsumer.CANCEL_HEADER);
        String jobId = r.key();
        if (header == null || jobId == null || RequestParser.jobIdProblem(jobId).isPresent()
                || !owns.test(r.partition())) {
            return;
        }
        if (store.find(jobId).map(s -> s.status() == JobStatus.CANCELLED).orElse(false)) {
            return;
        }
        driver.apply(null, jobId, r.partition(), new JobEvent.CancelRequested(jobId, r.partition()))
                .subscribe().with(
                        decision -> {
                            Log.infof("job %s: cancel forwarded by another replica: %s (read ahead of the request "
                                    + "partition's backlog, %s-%d@%d)", LogText.safe(jobId),
                                    decision.kind() == Decision.Kind.REFUSED ? "refused ("
                                            + decision.refusal().code() + ")" : decision.next().status().wireName(),
                                    topic, r.partition(), r.offset());
                            if (decision.next().status() == JobStatus.CANCELLED) {
                                // Its request, if it waits for a generation slot, needs none any more.
                                slots.withdraw(jobId);
                            }
                        },
                        failure -> Log.infof("job %s: forwarded cancel not decided ahead (%s); the request consumer "
                                + "decides it in turn", LogText.safe(jobId), failure.getClass().getSimpleName()));
    }
}
