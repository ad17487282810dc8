package dev.videoworker.job;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Lifecycle of a job. {@link #SUBMITTING} is the durable intent written before a paid call; it is announced as
 * {@link #ACCEPTED}, which is only ever a status event, never a stored state.
 */
public enum JobStatus {
    ACCEPTED,
    SUBMITTING,
    SUBMITTED,
    QUEUED,
    IN_PROGRESS,
    GENERATED,
    STORING,
    STORED,
    FAILED,
    REJECTED,
    CANCELLED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean terminal() {
        return this == STORED || this == FAILED || this == REJECTED || this == CANCELLED;
    }

    /** Statuses in which the provider is generating the video and the job must be polled. */
    public boolean generating() {
        return this == SUBMITTED || this == QUEUED || this == IN_PROGRESS;
    }
}
