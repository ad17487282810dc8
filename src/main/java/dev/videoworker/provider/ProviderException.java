package dev.videoworker.provider;

import java.time.Duration;

/**
 * A provider call that did not succeed, with the provider's own code and message (never the request's key).
 */
public class ProviderException extends RuntimeException {

    private final int httpStatus;
    private final String code;
    private final boolean retryable;
    private final boolean outcomeUnknown;
    private final Duration retryAfter;

    public ProviderException(int httpStatus, String code, String message, boolean retryable, boolean outcomeUnknown,
            Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.code = code;
        this.retryable = retryable;
        this.outcomeUnknown = outcomeUnknown;
        this.retryAfter = retryAfter;
    }

    /** HTTP status, or 0 when no answer arrived (connection error, timeout). */
    public int httpStatus() {
        return httpStatus;
    }

    public String code() {
        return code;
    }

    /** Whether the same call may be tried again (408, 409, 429, 5xx, connection errors; never for a create). */
    public boolean retryable() {
        return retryable;
    }

    /** For a create: the request may have reached the provider, so a job may exist and cost money. */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
