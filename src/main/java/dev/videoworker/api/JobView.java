package dev.videoworker.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.videoworker.fleet.FleetView;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.StoredObject;
import dev.videoworker.job.Timings;

/**
 * A job as the HTTP API shows it: what a user needs to follow it, without the internal fields of the journal.
 * {@code servedFrom}: {@code owner} (the replica that owns the job's partition answered) or {@code fleet-view}
 * (another replica answered from its view of the job topic; {@code viewLagMs}: how far behind that view may be, absent
 * while it has not yet read the partition to its end).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(String jobId, String status, Integer progress, String model, String size, String seconds,
        String prompt, String videoId, BigDecimal costUsd, JobError error, StoredObject video,
        Map<String, StoredObject> variants, Timings timings, Instant updatedAt, String provider,
        BigDecimal actualCostUsd, String notice, String servedFrom, Long viewLagMs) {

    /** Answered by the replica that owns the job's partition: its committed state. */
    public static final String OWNER = "owner";
    /** Answered from the fleet view of another replica's partition ({@code viewLagMs} says how far behind). */
    public static final String FLEET_VIEW = "fleet-view";

    static JobView of(JobState s) {
        return of(s, OWNER, null);
    }

    static JobView of(FleetView.Seen seen) {
        return of(seen.state(), FLEET_VIEW, seen.lag() == null ? null : seen.lag().toMillis());
    }

    private static JobView of(JobState s, String servedFrom, Long viewLagMs) {
        var r = s.request();
        return new JobView(s.jobId(), s.status().wireName(), s.progress(), r == null ? null : r.model(),
                r == null ? null : r.size(), r == null ? null : r.seconds(), r == null ? null : r.prompt(),
                s.videoId(), s.costUsd(), s.error(), s.video(), s.variants().isEmpty() ? null : s.variants(),
                s.timings(), s.updatedAt(), s.route() == null ? null : s.route().provider(), s.actualCostUsd(),
                s.notice(), servedFrom, viewLagMs);
    }
}
