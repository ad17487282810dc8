package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.videoworker.job.JobState;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.provider.ProviderException;

/** Which failed creates may move a job to another provider: only those that say for certain nothing was made. */
class FailoverTest {

    static final Instant RECEIVED = Instant.parse("2026-12-04T10:00:00Z");
    static final Duration DEADLINE = Duration.ofMinutes(30);
    static final JobState INTENT = JobState.submitting(new VideoRequest("job-1", "sora-2", "p", "1280x720", "4", null,
            List.of(), null, null, null), 0, null, RECEIVED, RECEIVED, null);

    static ProviderException answer(int status, String code, Duration retryAfter, boolean unknown) {
        return new ProviderException(status, code, "words", false, unknown, retryAfter, null);
    }

    static boolean definite(ProviderException p) {
        return Failover.definite(p, INTENT, DEADLINE, RECEIVED.plusSeconds(5));
    }

    @Test
    void refusalsThatSayNothingWasMadeAllowAFailover() {
        assertThat(definite(answer(401, "invalid_api_key", null, false))).isTrue();
        assertThat(definite(answer(402, "http_402", null, false))).as("out of credits").isTrue();
        assertThat(definite(answer(403, "forbidden", null, false))).isTrue();
        assertThat(definite(answer(404, "model_not_found", null, false))).isTrue();
        assertThat(definite(answer(429, "insufficient_quota", null, false))).isTrue();
        assertThat(definite(answer(503, "http_503", Duration.ofHours(1), true)))
                .as("back only after the job's deadline").isTrue();
    }

    @Test
    void unknownOutcomesRateLimitsAndRefusalsOfTheRequestItselfStayWhereTheyAre() {
        assertThat(definite(answer(0, "connection_error", null, true))).as("a reset or a timeout").isFalse();
        assertThat(definite(answer(500, "server_error", null, true))).isFalse();
        assertThat(definite(answer(503, "http_503", Duration.ofSeconds(30), true)))
                .as("back well before the deadline: the outcome stays unknown, reconciled there").isFalse();
        assertThat(definite(answer(503, "http_503", null, true))).isFalse();
        assertThat(definite(answer(429, "rate_limit_exceeded", null, false))).as("waited out there").isFalse();
        assertThat(definite(answer(400, "moderation_blocked", null, false))).isFalse();
        assertThat(definite(answer(400, "invalid_value", null, false))).isFalse();
    }

    @Test
    void aModelTheProviderDoesNotHaveIsRecognised() {
        assertThat(Failover.modelNotFound(answer(404, "model_not_found", null, false))).isTrue();
        assertThat(Failover.modelNotFound(answer(400, "model_not_found", null, false))).isTrue();
        assertThat(Failover.modelNotFound(answer(404, "invalid_model", null, false))).isTrue();
        assertThat(Failover.modelNotFound(answer(404, "http_404", null, false))).isFalse();
        assertThat(Failover.modelNotFound(answer(401, "invalid_api_key", null, false))).isFalse();
    }
}
