package dev.videoworker.event;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;

/**
 * Payload of a {@code video.status} event: one transition of a job (or a change of its progress).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusEvent(
        String jobId,
        String status,
        Integer progress,
        String videoId,
        String model,
        JobError error,
        Instant at,
        JsonNode metadata,
        /** The provider the job is routed to (absent for the default provider's jobs written before routes). */
        String provider,
        /** What the worker tells besides the status: a failover and why, a model retiring soon. */
        String notice) {

    public static StatusEvent of(JobState job) {
        String model = job.request() == null ? null : job.request().model();
        return new StatusEvent(job.jobId(), announced(job.status()), job.progress(), job.videoId(), model,
                job.error(), job.updatedAt(), job.metadata(), job.route() == null ? null : job.route().provider(),
                job.notice());
    }

    /** The status users see: the durable intent to submit is announced as {@code accepted}. */
    public static String announced(JobStatus status) {
        return status == JobStatus.SUBMITTING ? JobStatus.ACCEPTED.wireName() : status.wireName();
    }
}
