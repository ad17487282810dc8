package dev.videoworker.event;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;

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
        JsonNode metadata) {

    public static StatusEvent of(JobState job) {
        String model = job.request() == null ? null : job.request().model();
        return new StatusEvent(job.jobId(), job.status().wireName(), job.progress(), job.videoId(), model,
                job.error(), job.updatedAt(), job.metadata());
    }
}
