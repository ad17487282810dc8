package dev.videoworker.request;

import java.math.BigDecimal;

import dev.videoworker.job.JobError;
import dev.videoworker.job.VideoRequest;

/**
 * What became of one record of the request topic.
 */
public sealed interface ParseOutcome {

    /** The job id the outcome belongs to (never null: derived from the record position when nothing else names it). */
    String jobId();

    /** A request the worker will submit, with its estimated cost (null when the catalog has no price). */
    record Valid(VideoRequest request, BigDecimal estimatedCostUsd) implements ParseOutcome {
        @Override
        public String jobId() {
            return request.jobId();
        }
    }

    /** JSON that cannot become a job; {@code partial} holds what could be read, for the rejection event. */
    record Invalid(String jobId, JobError error, VideoRequest partial) implements ParseOutcome {
    }

    /** Bytes that are not JSON at all: they go to the dead-letter topic as they are. */
    record NotJson(String jobId, String reason) implements ParseOutcome {
    }

    /**
     * Not a request: a cancel of the job keyed by the record, forwarded by a replica that does not own the job's
     * partition ({@code DELETE /jobs/{id}} there); the owner decides it as its own cancel.
     */
    record CancelRequest(String jobId) implements ParseOutcome {
    }
}
