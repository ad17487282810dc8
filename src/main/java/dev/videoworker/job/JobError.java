package dev.videoworker.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Why a job failed or was rejected: a stable code, a message a user can act on, and the field when one is at fault.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobError(String code, String message, String field, boolean retryable) {

    public static JobError of(String code, String message) {
        return new JobError(code, message, null, false);
    }

    public static JobError field(String code, String field, String message) {
        return new JobError(code, message, field, false);
    }
}
