package dev.videoworker.api;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Optional;

import dev.videoworker.job.JobSummary;

/**
 * Where a page of {@code GET /jobs} ended: the last job's {@code updatedAt} and id, in the list's order (newest first,
 * then by id). Opaque to clients (base64url of {@code <instant or ->|<job id>}); the next page is every matching job
 * after it in that order, so a page never repeats the one before unless a job changed in between.
 */
record PageCursor(Instant updatedAt, String jobId) {

    /** The order of {@code GET /jobs}: most recently changed first, jobs without a time last, then by id. */
    static final Comparator<JobSummary> ORDER = Comparator.comparing(JobSummary::updatedAt,
            Comparator.nullsLast(Comparator.reverseOrder())).thenComparing(JobSummary::jobId);

    private static final int MAX_LENGTH = 1024;

    static PageCursor of(JobSummary last) {
        return new PageCursor(last.updatedAt(), last.jobId());
    }

    /** Empty for no cursor (the first page); throws IllegalArgumentException for one this API did not give. */
    static Optional<PageCursor> parse(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return Optional.empty();
        }
        if (encoded.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("cursor too long");
        }
        String text = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
        int bar = text.indexOf('|');
        if (bar < 0) {
            throw new IllegalArgumentException("not a cursor");
        }
        String time = text.substring(0, bar);
        try {
            return Optional.of(new PageCursor(time.equals("-") ? null : Instant.parse(time),
                    text.substring(bar + 1)));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("not a cursor", e);
        }
    }

    String encode() {
        String text = (updatedAt == null ? "-" : updatedAt.toString()) + "|" + jobId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A stand-in job at the cursor's place, to compare with {@link #ORDER}. */
    JobSummary asSummary() {
        return new JobSummary(jobId, 0, null, null, null, updatedAt, null, null, null);
    }
}
