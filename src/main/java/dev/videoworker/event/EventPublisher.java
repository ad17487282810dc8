package dev.videoworker.event;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.job.JobState;
import dev.videoworker.request.RecordPosition;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Publishes what happens to jobs: CloudEvents (Kafka binary mode, keyed by job id) on the status and completion
 * topics, and unreadable request records, untouched, on the dead-letter topic.
 */
@ApplicationScoped
public class EventPublisher {

    public static final String STATUS_CHANNEL = "video-status";
    public static final String COMPLETED_CHANNEL = "video-completed";
    public static final String DLQ_CHANNEL = "video-requests-dlq";
    public static final String STATUS_TYPE = "dev.videoworker.video.status";
    public static final String COMPLETED_TYPE = "dev.videoworker.video.completed";
    public static final URI SOURCE = URI.create("urn:sora-video-worker");
    public static final String DLQ_REASON_HEADER = "dead-letter-reason";

    private final MutinyEmitter<String> status;
    private final MutinyEmitter<String> completed;
    private final MutinyEmitter<byte[]> deadLetters;
    private final ObjectMapper mapper;

    public EventPublisher(@Channel(STATUS_CHANNEL) MutinyEmitter<String> status,
            @Channel(COMPLETED_CHANNEL) MutinyEmitter<String> completed,
            @Channel(DLQ_CHANNEL) MutinyEmitter<byte[]> deadLetters,
            ObjectMapper mapper) {
        this.status = status;
        this.completed = completed;
        this.deadLetters = deadLetters;
        this.mapper = mapper;
    }

    /** Announces the job's current status; the event id is stable, so a repeat is recognisable downstream. */
    public Uni<Void> status(JobState job) {
        String id = job.jobId() + "/" + job.status().wireName()
                + (job.progress() == null ? "" : "/" + job.progress());
        return status.sendMessage(cloudEvent(job, StatusEvent.of(job), STATUS_TYPE, id));
    }

    /** Publishes the one completion of a job that reached a terminal status. */
    public Uni<Void> completed(JobState job) {
        return completed.sendMessage(cloudEvent(job, CompletionEvent.of(job), COMPLETED_TYPE,
                job.jobId() + "/completed"));
    }

    /** Forwards the raw bytes of a record that is not JSON, with the reason and origin in headers. */
    public Uni<Void> deadLetter(byte[] raw, String key, String reason, RecordPosition from) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-topic", from.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-partition", Integer.toString(from.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-offset", Long.toString(from.offset()).getBytes(StandardCharsets.UTF_8));
        Message<byte[]> message = Message.of(raw == null ? new byte[0] : raw)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(key)
                        .withHeaders(headers)
                        .build());
        return deadLetters.sendMessage(message);
    }

    private Message<String> cloudEvent(JobState job, Object payload, String type, String id) {
        String json;
        try {
            json = mapper.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise event of job " + job.jobId(), e);
        }
        return Message.of(json)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(job.jobId()).build())
                .addMetadata(OutgoingCloudEventMetadata.builder()
                        .withId(id)
                        .withType(type)
                        .withSource(SOURCE)
                        .withSubject(job.jobId())
                        .withDataContentType("application/json")
                        .withTimestamp(ZonedDateTime.ofInstant(job.updatedAt(), ZoneOffset.UTC))
                        .build());
    }
}
