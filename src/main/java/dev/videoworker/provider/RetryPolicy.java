package dev.videoworker.provider;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

import dev.videoworker.config.WorkerConfig;

/**
 * When and how long to wait before calling the provider again: capped exponential backoff with jitter, unless the
 * provider said how long ({@code retry-after-ms}, {@code Retry-After}), which wins up to its own cap.
 */
final class RetryPolicy {

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double jitter;
    private final Duration maxRetryAfter;
    private final Random random;

    RetryPolicy(WorkerConfig.Retry config, Random random) {
        this(config.maxAttempts(), config.initialBackoff(), config.maxBackoff(), config.jitter(),
                config.maxRetryAfter(), random);
    }

    RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter,
            Duration maxRetryAfter, Random random) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("worker.provider.retry.max-attempts must be at least 1, got "
                    + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("worker.provider.retry durations must not be negative");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("worker.provider.retry.jitter must be in [0, 1], got " + jitter);
        }
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.jitter = jitter;
        this.maxRetryAfter = maxRetryAfter;
        this.random = Objects.requireNonNull(random);
    }

    int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Whether a call that failed on attempt {@code attempt} (1 is the first call) is made again. Only failures the
     * provider exception marks retryable are: never a create, a moderation refusal or another 4xx.
     */
    boolean retries(int attempt, Throwable failure) {
        return attempt < maxAttempts && failure instanceof ProviderException p && p.retryable();
    }

    /** The wait after failed attempt {@code attempt} (1 is the first call). */
    Duration delay(int attempt, ProviderException failure) {
        Duration hinted = failure.retryAfter();
        if (hinted != null) {
            return hinted.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : hinted;
        }
        return backoff(attempt);
    }

    /** {@code initial * 2^(attempt-1)}, capped at the maximum, of which the {@code jitter} share is random. */
    Duration backoff(int attempt) {
        long cap = maxBackoff.toMillis();
        int doublings = Math.min(Math.max(0, attempt - 1), 30);
        long exponential = initialBackoff.toMillis() > (Long.MAX_VALUE >> doublings) ? Long.MAX_VALUE
                : initialBackoff.toMillis() << doublings;
        long base = Math.min(exponential, cap);
        long random;
        synchronized (this.random) {
            random = (long) (this.random.nextDouble() * jitter * base);
        }
        return Duration.ofMillis(base - (long) (jitter * base) + random);
    }
}
