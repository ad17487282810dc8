package dev.videoworker.job;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.request.VideoRequest;

/**
 * The durable state of one job, as written to the compacted {@code video.jobs} topic (key: job id; partition: the
 * partition of the request that created it). Immutable: every change makes a new value.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobState(
        String jobId,
        int partition,
        JobStatus status,
        VideoRequest request,
        String videoId,
        Integer progress,
        BigDecimal costUsd,
        JobError error,
        StoredObject video,
        Map<String, StoredObject> variants,
        Timings timings,
        Instant expiresAt,
        Instant deadline,
        JsonNode metadata,
        Instant updatedAt) {

    public JobState {
        variants = variants == null ? Map.of() : Map.copyOf(variants);
    }

    public JobState withStatus(JobStatus next, Instant at) {
        return new JobState(jobId, partition, next, request, videoId, progress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, at);
    }

    public JobState submitted(String providerVideoId, Instant at, Instant pollDeadline) {
        return new JobState(jobId, partition, JobStatus.SUBMITTED, request, providerVideoId, 0, costUsd, error,
                video, variants, timings.submitted(at), expiresAt, pollDeadline, metadata, at);
    }

    public JobState progressed(JobStatus next, Integer newProgress, Instant at) {
        return new JobState(jobId, partition, next, request, videoId, newProgress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, at);
    }

    public JobState generated(Instant providerExpiresAt, Instant at) {
        return new JobState(jobId, partition, JobStatus.GENERATED, request, videoId, 100, costUsd, error, video,
                variants, timings.generated(at), providerExpiresAt, deadline, metadata, at);
    }

    public JobState stored(StoredObject storedVideo, Map<String, StoredObject> storedVariants, Instant at) {
        return new JobState(jobId, partition, JobStatus.STORED, request, videoId, progress, costUsd, null,
                storedVideo, storedVariants, timings.stored(at).finished(at), expiresAt, deadline, metadata, at);
    }

    public JobState ended(JobStatus terminal, JobError why, Instant at) {
        return new JobState(jobId, partition, terminal, request, videoId, progress, costUsd, why, video, variants,
                timings.finished(at), expiresAt, deadline, metadata, at);
    }
}
