package dev.videoworker.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.StoredObject;
import dev.videoworker.job.Timings;

/**
 * A job as the HTTP API shows it: what a user needs to follow it, without the internal fields of the journal.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(String jobId, String status, Integer progress, String model, String size, String seconds,
        String prompt, String videoId, BigDecimal costUsd, JobError error, StoredObject video,
        Map<String, StoredObject> variants, Timings timings, Instant updatedAt, String provider,
        BigDecimal actualCostUsd, String notice) {

    static JobView of(JobState s) {
        var r = s.request();
        return new JobView(s.jobId(), s.status().wireName(), s.progress(), r == null ? null : r.model(),
                r == null ? null : r.size(), r == null ? null : r.seconds(), r == null ? null : r.prompt(),
                s.videoId(), s.costUsd(), s.error(), s.video(), s.variants().isEmpty() ? null : s.variants(),
                s.timings(), s.updatedAt(), s.route() == null ? null : s.route().provider(), s.actualCostUsd(),
                s.notice());
    }
}
