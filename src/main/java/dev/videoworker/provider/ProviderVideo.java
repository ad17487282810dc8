package dev.videoworker.provider;

import java.math.BigDecimal;
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
        Duration pollAfter,
        /** What the provider says the job cost in USD, when its dialect reports it (null: not said). */
        BigDecimal costUsd,
        /** Where the finished video can be downloaded, when the dialect gives a URL instead of a content endpoint. */
        String resultUrl) {

    /** The same video with {@code value} as its progress (synthesised for APIs that report none). */
    public ProviderVideo withProgress(Integer value) {
        return new ProviderVideo(id, status, rawStatus, value, model, prompt, size, seconds, createdAt, completedAt,
                expiresAt, errorCode, errorMessage, pollAfter, costUsd, resultUrl);
    }

    /** A video as an API without cost or result URL describes it. */
    public ProviderVideo(String id, ProviderStatus status, String rawStatus, Integer progress, String model,
            String prompt, String size, String seconds, Instant createdAt, Instant completedAt, Instant expiresAt,
            String errorCode, String errorMessage, Duration pollAfter) {
        this(id, status, rawStatus, progress, model, prompt, size, seconds, createdAt, completedAt, expiresAt,
                errorCode, errorMessage, pollAfter, null, null);
    }
}
