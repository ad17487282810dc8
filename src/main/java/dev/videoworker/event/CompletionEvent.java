package dev.videoworker.event;

import java.math.BigDecimal;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.StoredObject;
import dev.videoworker.job.Timings;

/**
 * Payload of the one {@code video.completed} event every request ends with: {@code succeeded}, {@code failed},
 * {@code rejected} or {@code cancelled}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompletionEvent(
        String jobId,
        String outcome,
        String videoId,
        String model,
        String size,
        String seconds,
        StoredObject video,
        Map<String, StoredObject> variants,
        BigDecimal costUsd,
        /** What the provider says the job cost, when it reported it (absent otherwise); {@code costUsd} estimates. */
        BigDecimal actualCostUsd,
        JobError error,
        Timings timings,
        JsonNode metadata) {

    public static CompletionEvent of(JobState job) {
        var request = job.request();
        return new CompletionEvent(
                job.jobId(),
                outcome(job.status()),
                job.videoId(),
                request == null ? null : request.model(),
                request == null ? null : request.size(),
                request == null ? null : request.seconds(),
                job.video(),
                job.variants().isEmpty() ? null : job.variants(),
                job.costUsd(),
                job.actualCostUsd(),
                job.error(),
                job.timings(),
                job.metadata());
    }

    static String outcome(JobStatus status) {
        return switch (status) {
            case STORED -> "succeeded";
            case REJECTED -> "rejected";
            case CANCELLED -> "cancelled";
            case FAILED -> "failed";
            default -> throw new IllegalArgumentException("not a terminal status: " + status);
        };
    }
}
