package dev.videoworker.job;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The jobs this replica owns: the durable record is the compacted {@code video.jobs} topic (written with acks=all to
 * the partition of the job's request), this map is its in-memory view.
 */
@ApplicationScoped
public class JobStore {

    public static final String CHANNEL = "video-jobs";

    private final MutinyEmitter<String> journal;
    private final ObjectMapper mapper;
    private final Map<String, JobState> jobs = new ConcurrentHashMap<>();

    public JobStore(@Channel(CHANNEL) MutinyEmitter<String> journal, ObjectMapper mapper) {
        this.journal = journal;
        this.mapper = mapper;
    }

    public Optional<JobState> find(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    public Collection<JobState> all() {
        return List.copyOf(jobs.values());
    }

    /** Writes the state durably; the in-memory view changes only once the broker has it. */
    public Uni<JobState> save(JobState state) {
        String json;
        try {
            json = mapper.writeValueAsString(state);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        Message<String> record = Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(state.jobId())
                .withPartition(state.partition())
                .build());
        return journal.sendMessage(record).replaceWith(() -> {
            jobs.put(state.jobId(), state);
            return state;
        });
    }
}
