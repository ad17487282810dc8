package dev.videoworker.job;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Everything that can change a job, as its driver receives it: the request, the API's cancel, what the create call
 * and the provider's list answered, what polls saw, the deadline, what storing did, and a take-over. Each event is
 * decided by {@link Transitions#decide} against the job's current committed state, never against a copy a step kept.
 */
public sealed interface JobEvent {

    /**
     * A valid request for a job id not seen before: the durable intent to submit it, at {@code route};
     * {@code notice}: what its status events tell besides (a model retiring soon), or null.
     */
    record Requested(VideoRequest request, int partition, BigDecimal estimatedCostUsd, Instant receivedAt,
            String trace, Route route, String notice) implements JobEvent {

        /** A request for the default route (a job state without a route is the default provider's). */
        public Requested(VideoRequest request, int partition, BigDecimal estimatedCostUsd, Instant receivedAt,
                String trace) {
            this(request, partition, estimatedCostUsd, receivedAt, trace, null, null);
        }
    }

    /**
     * The create call at the job's provider failed for certain before anything was made there (a refusal that says
     * so, an outage longer than the job may wait, a model the provider does not have): a new intent at {@code next},
     * announced with {@code notice} saying why.
     */
    record FailedOver(Route next, String notice) implements JobEvent {
    }

    /** A request that will never be submitted (invalid, over the budget, an unusable input image). */
    record Refused(String jobId, int partition, VideoRequest partial, JobError error, Instant receivedAt,
            String trace) implements JobEvent {
    }

    /** {@code DELETE /jobs/{id}}. */
    record CancelRequested(String jobId, int partition) implements JobEvent {
    }

    /** The create call is about to be sent: the intent is written again (its fence), without an announcement. */
    record IntentRenewed() implements JobEvent {
    }

    /**
     * The provider made {@code videoId} for the job: the create's answer, or a reconciliation's single match; the job
     * must be generated within {@code deadline} from now.
     */
    record VideoMade(String videoId, Duration deadline) implements JobEvent {
    }

    /** The provider made nothing and nothing will be made: the submission ends ({@code failed} or {@code rejected}). */
    record SubmissionEnded(JobStatus terminal, JobError error) implements JobEvent {
    }

    /** A reconciliation window passed with no video of the job at the provider: a new intent (another attempt). */
    record Resubmitting() implements JobEvent {
    }

    /** A poll saw the video queued or in progress. */
    record Progressed(JobStatus status, Integer progress) implements JobEvent {
    }

    /** A poll saw the video completed; {@code actualCostUsd}: what the provider says it cost (null: not said). */
    record Generated(Instant providerExpiresAt, BigDecimal actualCostUsd) implements JobEvent {

        public Generated(Instant providerExpiresAt) {
            this(providerExpiresAt, null);
        }
    }

    /** A poll saw the video failed, cancelled or expired at the provider, or the provider refused the poll for good. */
    record GenerationEnded(JobStatus terminal, JobError error) implements JobEvent {
    }

    /** The job's generation deadline passed. */
    record DeadlinePassed(JobError error) implements JobEvent {
    }

    /** Storing of the generated video begins (or begins again after a take-over). */
    record StoringStarted() implements JobEvent {
    }

    /** The video (and its variants) are in the object store. */
    record Stored(StoredObject video, Map<String, StoredObject> variants) implements JobEvent {
    }

    /** Storing failed for good (retries exhausted before the provider's copy expired, or refused for good). */
    record StoringFailed(JobError error) implements JobEvent {
    }

    /** This replica took the job's partition over (start, rebalance, a broken producer): resume what was under way. */
    record TakenOver() implements JobEvent {
    }
}
