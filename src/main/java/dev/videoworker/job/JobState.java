package dev.videoworker.job;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;


/**
 * The durable state of one job, as written to the compacted {@code video.jobs} topic (key: job id; partition: the
 * partition of the request that created it). Immutable: every change makes a new value.
 *
 * @param attempts create calls made for this job so far (a resubmission only follows a reconciliation that found
 *        nothing at the provider)
 * @param trace the W3C {@code traceparent} of the job's trace (from the request record, or started by the worker):
 *        its provider calls and events join that trace, on whichever replica drives the job
 * @param version how many transitions of this job were committed, this one included (1 for its first state): the
 *        journal's partition writer commits a transition only if it was derived from the last committed version
 * @param epoch which ownership of the partition this value was committed or rebuilt under (never written: it is a
 *        property of this replica's view); a value of an earlier ownership must not drive the job any more
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
        int attempts,
        Instant updatedAt,
        String trace,
        Route route,
        BigDecimal actualCostUsd,
        String notice,
        long version,
        @JsonIgnore long epoch) {

    public JobState {
        variants = variants == null ? Map.of() : Map.copyOf(variants);
    }

    /** The intent to submit at the default provider (no route). */
    public static JobState submitting(VideoRequest request, int partition, BigDecimal cost, Instant receivedAt,
            Instant at, String trace) {
        return submitting(request, partition, cost, receivedAt, at, trace, null, null);
    }

    /** The intent to submit at {@code route}, durable before the paid call. */
    public static JobState submitting(VideoRequest request, int partition, BigDecimal cost, Instant receivedAt,
            Instant at, String trace, Route route, String notice) {
        return new JobState(request.jobId(), partition, JobStatus.SUBMITTING, request, null, null, cost, null, null,
                null, Timings.received(receivedAt), null, null, request.metadata(), 1, at, trace, route, null, notice, 0, 0);
    }

    /** A request that will never be submitted. {@code request} holds what could be read of it, or null. */
    public static JobState rejected(String jobId, int partition, VideoRequest request, JobError why,
            Instant receivedAt, Instant at, String trace) {
        return new JobState(jobId, partition, JobStatus.REJECTED, request, null, null, null, why, null, null,
                Timings.received(receivedAt).finished(at), null, null, request == null ? null : request.metadata(),
                0, at, trace, null, null, null, 0, 0);
    }

    /** A job cancelled before its request was handled: when the request comes, it is recognised and not submitted. */
    public static JobState cancelledBeforeArrival(String jobId, int partition, Instant at) {
        return new JobState(jobId, partition, JobStatus.CANCELLED, null, null, null, null, JobError.of("cancelled",
                "Cancelled through the HTTP API before the request was handled; it will not be submitted."), null,
                null, Timings.received(at).finished(at), null, null, null, 0, at, null, null, null, null, 0, 0);
    }

    /**
     * What is known of an ended job that left the in-memory index: its id, partition, status, version and time. Enough
     * to recognise a repeated id and to write its tombstone; the rest is in the journal.
     */
    public static JobState recognised(String jobId, int partition, JobStatus status, long version, Instant at,
            long epoch) {
        return new JobState(jobId, partition, status, null, null, null, null, null, null, null, null, null, null,
                null, 0, at, null, null, null, null, version, epoch);
    }

    /**
     * A rough count of the heap bytes this value holds (objects, strings as UTF-16, metadata by its number of fields),
     * for the index's byte bound: cheap, not exact.
     */
    public long estimatedBytes() {
        long chars = length(jobId) + length(videoId) + length(trace);
        if (error != null) {
            chars += length(error.code()) + length(error.message()) + length(error.field());
        }
        if (video != null) {
            chars += length(video.bucket()) + length(video.key()) + length(video.uri()) + length(video.sha256());
        }
        long bytes = 400 + 2 * chars + 300L * variants.size();
        if (request != null) {
            bytes += 300 + 2 * (length(request.prompt()) + length(request.model()) + length(request.size())
                    + (request.inputReference() == null ? 0 : length(request.inputReference().uri())));
        }
        if (metadata != null) {
            bytes += 200 + 120L * metadata.size();
        }
        return bytes;
    }

    private static long length(String s) {
        return s == null ? 0 : s.length();
    }

    /**
     * What is kept of a long-finished job: enough to recognise its id, say how it ended, and count what it cost where
     * it was submitted (the estimate and the timings: the spend budget rebuilt from a journal of slim jobs, and
     * {@code GET /fleet}'s spend, count it from them).
     */
    public JobState slim() {
        return new JobState(jobId, partition, status, null, videoId, null, costUsd, error, video, null, timings, null,
                null, null, attempts, updatedAt, trace, route, actualCostUsd, notice, version, epoch);
    }

    /** The same state, following the provider video {@code providerVideoId} (one made after the job had ended). */
    public JobState withVideoId(String providerVideoId) {
        return new JobState(jobId, partition, status, request, providerVideoId, progress, costUsd, error, video,
                variants, timings, expiresAt, deadline, metadata, attempts, updatedAt, trace, route, actualCostUsd, notice, version, epoch);
    }

    /**
     * What this job counts for against the spend budget: the provider's actual cost once reported, else the estimate
     * (null: neither).
     */
    public BigDecimal chargedUsd() {
        return actualCostUsd != null ? actualCostUsd : costUsd;
    }

    /**
     * When this job counts against the spend budget (its submission, else its last change), or null when it does not:
     * never submitted, rejected, or failed for certain before the provider made anything.
     */
    public Instant chargedAt() {
        if (chargedUsd() == null || attempts == 0 || status == JobStatus.REJECTED) {
            return null;
        }
        if (status == JobStatus.FAILED && videoId == null && error != null
                && !"submission_unknown".equals(error.code())) {
            return null;
        }
        if (timings != null && timings.submittedAt() != null) {
            return timings.submittedAt();
        }
        return updatedAt;
    }

    /** When this job ended (finished, else stored, else its last change), or null while it has not. */
    public Instant endedAt() {
        if (!status.terminal()) {
            return null;
        }
        if (timings != null && timings.finishedAt() != null) {
            return timings.finishedAt();
        }
        return timings != null && timings.storedAt() != null ? timings.storedAt() : updatedAt;
    }

    /**
     * Whether the provider's copy of this ended job is to be deleted: it was cancelled or timed out there, and it
     * ended recently (not slimmed yet), so a replica taking it over deletes it again in case its owner stopped first.
     */
    public boolean providerCopyUnwanted() {
        return videoId != null && request != null && (status == JobStatus.CANCELLED
                || status == JobStatus.FAILED && error != null && "timeout".equals(error.code()));
    }

    /**
     * Whether this job was cancelled while it was being submitted, so that a create call sent for it may have made a
     * video that no state names (its answer was lost, or its replica stopped before the answer or before its search
     * found the video). Not for slim states: long-ended jobs are not searched for.
     */
    public boolean cancelledWhileSubmitting() {
        return status == JobStatus.CANCELLED && videoId == null && request != null && attempts > 0
                && (timings == null || timings.submittedAt() == null);
    }

    public JobState withStatus(JobStatus next, Instant at) {
        return new JobState(jobId, partition, next, request, videoId, progress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, attempts, at, trace, route, actualCostUsd, notice, version, epoch);
    }

    /** A new intent after a reconciliation found that the previous create made nothing. */
    public JobState resubmitting(Instant at) {
        return new JobState(jobId, partition, JobStatus.SUBMITTING, request, null, null, costUsd, null, null, null,
                timings, null, null, metadata, attempts + 1, at, trace, route, actualCostUsd, notice, version, epoch);
    }

    public JobState submitted(String providerVideoId, Instant at, Instant pollDeadline) {
        return new JobState(jobId, partition, JobStatus.SUBMITTED, request == null ? null
                : request.withoutInlineImage(), providerVideoId, 0, costUsd, error,
                video, variants, timings.submitted(at), expiresAt, pollDeadline, metadata, attempts, at, trace, route, actualCostUsd, notice, version,
                epoch);
    }

    public JobState progressed(JobStatus next, Integer newProgress, Instant at) {
        return new JobState(jobId, partition, next, request, videoId, newProgress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, attempts, at, trace, route, actualCostUsd, notice, version, epoch);
    }

    /** The same state routed to {@code next} (a failover before anything was made there). */
    public JobState routedTo(Route next) {
        return new JobState(jobId, partition, status, request, videoId, progress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, attempts, updatedAt, trace, next, actualCostUsd, notice, version,
                epoch);
    }

    /**
     * A new intent at another provider: the create at the previous one failed for certain before anything was made
     * there. Counts as another attempt; {@code why} is announced.
     */
    public JobState failedOver(Route next, String why, Instant at) {
        return new JobState(jobId, partition, JobStatus.SUBMITTING, request, null, null, costUsd, null, null, null,
                timings, null, null, metadata, attempts + 1, at, trace, next, actualCostUsd, why, version, epoch);
    }

    /** The same state with the cost the provider reported for the job. */
    public JobState withActualCost(BigDecimal reported) {
        return new JobState(jobId, partition, status, request, videoId, progress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, attempts, updatedAt, trace, route, reported, notice, version, epoch);
    }

    public JobState generated(Instant providerExpiresAt, Instant at) {
        return new JobState(jobId, partition, JobStatus.GENERATED, request, videoId, 100, costUsd, error, video,
                variants, timings.generated(at), providerExpiresAt, deadline, metadata, attempts, at, trace, route, actualCostUsd, notice, version,
                epoch);
    }

    public JobState stored(StoredObject storedVideo, Map<String, StoredObject> storedVariants, Instant at) {
        return new JobState(jobId, partition, JobStatus.STORED, request, videoId, progress, costUsd, null,
                storedVideo, storedVariants, timings.stored(at).finished(at), expiresAt, deadline, metadata, attempts,
                at, trace, route, actualCostUsd, notice, version, epoch);
    }

    public JobState ended(JobStatus terminal, JobError why, Instant at) {
        return new JobState(jobId, partition, terminal, request, videoId, progress, costUsd, why, video, variants,
                timings.finished(at), expiresAt, deadline, metadata, attempts, at, trace, route, actualCostUsd, notice, version, epoch);
    }

    /** This value as the transition numbered {@code next}; for the journal's writer and reader only. */
    public JobState asVersion(long next) {
        return new JobState(jobId, partition, status, request, videoId, progress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, attempts, updatedAt, trace, route, actualCostUsd, notice, next, epoch);
    }

    /** This value as committed or rebuilt under the partition ownership {@code ownership}; for the journal only. */
    public JobState inEpoch(long ownership) {
        return new JobState(jobId, partition, status, request, videoId, progress, costUsd, error, video, variants,
                timings, expiresAt, deadline, metadata, attempts, updatedAt, trace, route, actualCostUsd, notice, version, ownership);
    }
}
