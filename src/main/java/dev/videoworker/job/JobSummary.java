package dev.videoworker.job;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * What listing, filtering and the fleet's figures read of a job: the whole state is only needed for the jobs a page
 * shows. The fleet view keeps one per job of another replica's partition, with the rest of the state packed.
 *
 * @param model the requested model (null when the request could not be read)
 * @param provider the provider the job is routed to (null: the default one)
 * @param endedAt see {@link JobState#endedAt()}
 * @param chargedAt see {@link JobState#chargedAt()}
 * @param chargedUsd see {@link JobState#chargedUsd()}
 */
public record JobSummary(String jobId, int partition, JobStatus status, String model, String provider,
        Instant updatedAt, Instant endedAt, Instant chargedAt, BigDecimal chargedUsd) {

    public static JobSummary of(JobState s) {
        return of(s, UnaryOperator.identity());
    }

    /** The summary of {@code s}, its model and provider names passed through {@code names} (to share them). */
    public static JobSummary of(JobState s, UnaryOperator<String> names) {
        return new JobSummary(s.jobId(), s.partition(), s.status(),
                s.request() == null ? null : names.apply(s.request().model()),
                s.route() == null ? null : names.apply(s.route().provider()), s.updatedAt(), s.endedAt(),
                s.chargedAt(), s.chargedUsd());
    }
}
