package dev.videoworker.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.KafkaClientProps;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.log.LogText;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;

/**
 * Rebuilds the jobs of one partition from the compacted journal: reads it (committed records only) from the start to
 * its current end; the last record of a job wins, a tombstone forgets it.
 */
@ApplicationScoped
public class JournalReader {

    private static final Duration MAX_READ = Duration.ofMinutes(2);

    private final Map<String, Object> kafkaConfig;
    private final ObjectMapper mapper;
    private final String topic;
    private final Duration retention;

    public JournalReader(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, ObjectMapper mapper,
            WorkerConfig config) {
        this.kafkaConfig = kafkaConfig;
        this.mapper = mapper;
        this.topic = config.topics().jobs();
        this.retention = config.jobs().retention();
    }

    /** Blocking: the jobs of {@code partition} as last written. Long-finished ones come back slim. */
    public Collection<JobState> read(int partition) {
        Map<String, Object> props = KafkaClientProps.committedReader(kafkaConfig, "job-journal-reader-" + partition);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        Map<String, JobState> jobs = new HashMap<>();
        Instant started = Instant.now();
        long records = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            // With read_committed, the end offset is the last stable offset: everything before it is decided. Short
            // polls: the last one only steps over a transaction marker and returns nothing.
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                if (Duration.between(started, Instant.now()).compareTo(MAX_READ) > 0) {
                    throw new IllegalStateException("reading partition " + partition + " of " + topic
                            + " took longer than " + MAX_READ);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                    records++;
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        jobs.remove(r.key());
                        continue;
                    }
                    try {
                        JobState state = mapper.readValue(r.value(), JobState.class);
                        // Written before states were versioned: its first version.
                        jobs.put(r.key(), state.version() == 0 ? state.asVersion(1) : state);
                    } catch (java.io.IOException e) {
                        Log.errorf("unreadable state of job %s at %s-%d@%d; ignored", LogText.safe(r.key()), topic,
                                partition,
                                r.offset());
                    }
                }
            }
        }
        Instant slimBefore = Instant.now().minus(retention);
        jobs.replaceAll((id, s) -> s.status().terminal() && s.updatedAt().isBefore(slimBefore) ? s.slim() : s);
        Log.infof("rebuilt %d jobs of partition %d from %d journal records in %d ms", jobs.size(), partition,
                records, Duration.between(started, Instant.now()).toMillis());
        return jobs.values();
    }
}
