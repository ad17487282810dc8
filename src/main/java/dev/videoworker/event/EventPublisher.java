package dev.videoworker.event;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.trace.Tracing;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Builds the events of jobs: CloudEvents 1.0 in Kafka binary mode (attributes as {@code ce_*} headers, JSON value,
 * keyed by job id) for the status and completion topics, written by the job journal together with the state they
 * announce; and forwards unreadable request records, untouched, to the dead-letter topic.
 */
@ApplicationScoped
public class EventPublisher {

    public static final String DLQ_CHANNEL = "video-requests-dlq";
    public static final String STATUS_TYPE = "dev.videoworker.video.status";
    public static final String COMPLETED_TYPE = "dev.videoworker.video.completed";
    public static final URI SOURCE = URI.create("urn:sora-video-worker");
    public static final String DLQ_REASON_HEADER = "dead-letter-reason";

    private final MutinyEmitter<byte[]> deadLetters;
    private final ObjectMapper mapper;
    private final String statusTopic;
    private final String completedTopic;
    private final Tracing tracing;

    public EventPublisher(@Channel(DLQ_CHANNEL) MutinyEmitter<byte[]> deadLetters, ObjectMapper mapper,
            WorkerConfig config, Tracing tracing) {
        this.tracing = tracing;
        this.deadLetters = deadLetters;
        this.mapper = mapper;
        this.statusTopic = config.topics().status();
        this.completedTopic = config.topics().completed();
    }

    /** The job's current status as an event; its id is stable, so a repeat is recognisable downstream. */
    public ProducerRecord<String, String> status(JobState job) {
        String id = job.jobId() + "/" + StatusEvent.announced(job.status())
                + (job.progress() == null ? "" : "/" + job.progress());
        return cloudEvent(statusTopic, job, StatusEvent.of(job), STATUS_TYPE, id);
    }

    /** The one completion of a job that reached a terminal status. */
    public ProducerRecord<String, String> completed(JobState job) {
        return cloudEvent(completedTopic, job, CompletionEvent.of(job), COMPLETED_TYPE, job.jobId() + "/completed");
    }

    /**
     * Forwards the raw bytes of a record that is not JSON, with the reason and origin in headers. A record that fit
     * into the request topic may not fit into the dead-letter topic once the headers are added (or when that topic's
     * limit is lower): then the dead letter carries no value, and its headers say where the original is.
     */
    public Uni<Void> deadLetter(byte[] raw, String key, String reason, RecordPosition from) {
        return deadLetters.sendMessage(deadLetterMessage(raw, key, reason, from))
                .onFailure(EventPublisher::tooLarge).recoverWithUni(e -> {
                    int size = raw == null ? 0 : raw.length;
                    Log.warnf("dead letter of %s-%d@%d (%d bytes) is too large for %s; forwarding its headers only",
                            from.topic(), from.partition(), from.offset(), size, DLQ_CHANNEL);
                    String shortKey = key != null && key.length() <= 1024 ? key : null;
                    Message<byte[]> slim = deadLetterMessage(new byte[0], shortKey, reason + "; the value (" + size
                            + " bytes" + (shortKey == key ? "" : ", and its key") + ") was too large to forward, read it "
                            + "at " + from.topic() + " partition " + from.partition() + " offset " + from.offset(),
                            from);
                    return deadLetters.sendMessage(slim);
                });
    }

    private static boolean tooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RecordTooLargeException) {
                return true;
            }
        }
        return false;
    }

    private static Message<byte[]> deadLetterMessage(byte[] raw, String key, String reason, RecordPosition from) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-topic", from.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-partition", Integer.toString(from.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-offset", Long.toString(from.offset()).getBytes(StandardCharsets.UTF_8));
        return Message.of(raw == null ? new byte[0] : raw)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(key)
                        .withHeaders(headers)
                        .build());
    }

    private ProducerRecord<String, String> cloudEvent(String topic, JobState job, Object payload, String type,
            String id) {
        String json;
        try {
            json = mapper.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise event of job " + job.jobId(), e);
        }
        RecordHeaders headers = new RecordHeaders();
        header(headers, "ce_specversion", "1.0");
        header(headers, "ce_id", id);
        header(headers, "ce_type", type);
        header(headers, "ce_source", SOURCE.toString());
        header(headers, "ce_subject", job.jobId());
        header(headers, "ce_time", DateTimeFormatter.ISO_INSTANT.format(job.updatedAt()));
        header(headers, "content-type", "application/json");
        tracing.inject(job.trace(), topic, headers);
        return new ProducerRecord<>(topic, null, job.jobId(), json, headers);
    }

    private static void header(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
