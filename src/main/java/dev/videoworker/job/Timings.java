package dev.videoworker.job;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * When a job passed its milestones.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Timings(Instant receivedAt, Instant submittedAt, Instant generatedAt, Instant storedAt,
        Instant finishedAt) {

    public static Timings received(Instant at) {
        return new Timings(at, null, null, null, null);
    }

    public Timings submitted(Instant at) {
        return new Timings(receivedAt, at, generatedAt, storedAt, finishedAt);
    }

    public Timings generated(Instant at) {
        return new Timings(receivedAt, submittedAt, at, storedAt, finishedAt);
    }

    public Timings stored(Instant at) {
        return new Timings(receivedAt, submittedAt, generatedAt, at, finishedAt);
    }

    public Timings finished(Instant at) {
        return new Timings(receivedAt, submittedAt, generatedAt, storedAt, at);
    }
}
