package dev.videoworker.provider;

import java.util.Locale;

/**
 * Provider job statuses, normalised: forwarders spell them differently ({@code pending}, {@code processing},
 * {@code succeeded}, {@code success}, {@code canceled}, ...).
 */
public enum ProviderStatus {
    QUEUED,
    IN_PROGRESS,
    COMPLETED,
    FAILED,
    CANCELLED,
    EXPIRED,
    /** A status this worker does not know: treated as still in progress until the job's deadline. */
    UNKNOWN;

    public static ProviderStatus lenient(String raw) {
        if (raw == null) {
            return UNKNOWN;
        }
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "queued", "pending" -> QUEUED;
            case "in_progress", "processing", "running" -> IN_PROGRESS;
            case "completed", "succeeded", "success" -> COMPLETED;
            case "failed", "error" -> FAILED;
            case "cancelled", "canceled" -> CANCELLED;
            case "expired" -> EXPIRED;
            default -> UNKNOWN;
        };
    }
}
