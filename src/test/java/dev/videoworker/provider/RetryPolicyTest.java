package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The backoff computation and which failures are retried, with seeded randomness. */
class RetryPolicyTest {

    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);

    private static RetryPolicy policy(double jitter, long seed) {
        return new RetryPolicy(4, INITIAL, MAX, jitter, MAX_RETRY_AFTER, new Random(seed));
    }

    private static ProviderException failure(int status, Duration retryAfter) {
        return new ProviderException(status, "http_" + status, "failed", VideosClient.retryable(status, null, false),
                false, retryAfter, null);
    }

    @Test
    void doublesTheBackoffUpToTheCapWithoutJitter() {
        RetryPolicy policy = policy(0.0, 1);
        List<Long> waits = new ArrayList<>();
        for (int attempt = 1; attempt <= 6; attempt++) {
            waits.add(policy.backoff(attempt).toMillis());
        }
        assertThat(waits).containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
        assertThat(policy.backoff(500)).isEqualTo(MAX);
    }

    @Test
    void fullJitterWaitsAnywhereBetweenZeroAndTheBackoff() {
        RetryPolicy policy = policy(1.0, 42);
        for (int attempt = 1; attempt <= 5; attempt++) {
            long base = Math.min(INITIAL.toMillis() << (attempt - 1), MAX.toMillis());
            List<Long> waits = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                waits.add(policy.backoff(attempt).toMillis());
            }
            assertThat(waits).allSatisfy(w -> assertThat(w).isBetween(0L, base));
            // spread over the range, not stuck at one end
            assertThat(waits.stream().mapToLong(Long::longValue).min().orElseThrow()).isLessThan(base / 4);
            assertThat(waits.stream().mapToLong(Long::longValue).max().orElseThrow()).isGreaterThan(base * 3 / 4);
        }
    }

    @Test
    void partialJitterKeepsTheRestOfTheBackoff() {
        RetryPolicy policy = policy(0.25, 7);
        for (int i = 0; i < 500; i++) {
            assertThat(policy.backoff(3).toMillis()).isBetween(300L, 400L);
        }
    }

    @Test
    void theSameSeedGivesTheSameWaits() {
        RetryPolicy a = policy(1.0, 99);
        RetryPolicy b = policy(1.0, 99);
        for (int attempt = 1; attempt <= 20; attempt++) {
            assertThat(a.backoff(attempt)).isEqualTo(b.backoff(attempt));
        }
    }

    @Test
    void theProvidersRetryAfterWinsOverTheBackoffUpToItsCap() {
        RetryPolicy policy = policy(1.0, 3);
        assertThat(policy.delay(1, failure(429, Duration.ofMillis(1234)))).isEqualTo(Duration.ofMillis(1234));
        assertThat(policy.delay(3, failure(503, Duration.ofMillis(1)))).isEqualTo(Duration.ofMillis(1));
        assertThat(policy.delay(1, failure(429, Duration.ofMinutes(10)))).isEqualTo(MAX_RETRY_AFTER);
        assertThat(policy.delay(2, failure(503, null))).isBetween(Duration.ZERO, Duration.ofMillis(200));
    }

    @Test
    void retriesTransientFailuresUntilTheLastAttempt() {
        RetryPolicy policy = policy(1.0, 5);
        ProviderException unavailable = failure(503, null);
        assertThat(policy.retries(1, unavailable)).isTrue();
        assertThat(policy.retries(3, unavailable)).isTrue();
        assertThat(policy.retries(4, unavailable)).isFalse();
        assertThat(policy.retries(1, failure(404, null))).isFalse();
        assertThat(policy.retries(1, new IOException("not a provider answer"))).isFalse();
    }

    @Test
    void classifiesAnswersLikeTheProtocolSays() {
        for (int status : new int[] {408, 409, 429, 500, 502, 503, 504}) {
            assertThat(VideosClient.retryable(status, "whatever", false)).as("HTTP %d", status).isTrue();
            assertThat(VideosClient.retryable(status, "whatever", true)).as("create, HTTP %d", status).isFalse();
        }
        for (int status : new int[] {400, 401, 403, 404, 413, 415, 422}) {
            assertThat(VideosClient.retryable(status, "invalid_value", false)).as("HTTP %d", status).isFalse();
        }
    }

    @Test
    void neverRetriesAModerationRefusalWhateverItsStatus() {
        assertThat(VideosClient.retryable(400, "moderation_blocked", false)).isFalse();
        assertThat(VideosClient.retryable(429, "moderation_blocked", false)).isFalse();
        assertThat(VideosClient.retryable(500, "content_policy_violation", false)).isFalse();
    }

    @Test
    void readsRetryAfterAsSecondsOrAnHttpDate() {
        assertThat(VideosClient.retryAfter("3")).hasValue(Duration.ofSeconds(3));
        assertThat(VideosClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).hasValue(Duration.ZERO);
        String inAnHour = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusHours(1));
        assertThat(VideosClient.retryAfter(inAnHour)).hasValueSatisfying(wait -> assertThat(wait)
                .isBetween(Duration.ofMinutes(55), Duration.ofHours(1)));
        assertThat(VideosClient.retryAfter("soon")).isEmpty();
    }

    @Test
    void refusesSettingsThatMakeNoSense() {
        assertThatThrownBy(() -> new RetryPolicy(0, INITIAL, MAX, 1.0, MAX_RETRY_AFTER, new Random()))
                .hasMessageContaining("max-attempts");
        assertThatThrownBy(() -> new RetryPolicy(3, INITIAL, MAX, 1.5, MAX_RETRY_AFTER, new Random()))
                .hasMessageContaining("jitter");
    }
}
