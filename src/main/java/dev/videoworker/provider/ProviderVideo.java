package dev.videoworker.provider;

import java.time.Duration;
import java.time.Instant;

/**
 * A provider's video job in the worker's terms: normalised status, instants, and the provider's own error words.
 */
public record ProviderVideo(
        String id,
        ProviderStatus status,
        String rawStatus,
        Integer progress,
        String model,
        String prompt,
        String size,
        String seconds,
        Instant createdAt,
        Instant completedAt,
        Instant expiresAt,
        String errorCode,
        String errorMessage,
        /** The provider's {@code openai-poll-after-ms} hint, when it sent one. */
        Duration pollAfter) {
}
