package dev.videoworker.submit;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import dev.videoworker.job.JobState;
import dev.videoworker.provider.ProviderException;

/**
 * Which failed create calls allow the job to move to the next provider of its model: only those that say for certain
 * that nothing was made, and that the same provider will not make it soon. Never an unknown outcome (a timeout, a
 * reset, a 5xx without a long {@code Retry-After}): that is reconciled at the same provider, as a second create
 * elsewhere could pay twice. Never a refusal of the request itself (moderation, an invalid field), which another
 * provider would refuse too.
 */
final class Failover {

    private Failover() {
    }

    /**
     * Whether {@code p} is a definite failure at the provider: the key refused (401, 403), out of credits (402), the
     * model or endpoint absent (404), the quota exhausted (429 {@code insufficient_quota}), or a 503 whose
     * {@code Retry-After} ends after the job's deadline (counted from its arrival).
     */
    static boolean definite(ProviderException p, JobState intent, Duration deadline, Instant now) {
        int status = p.httpStatus();
        if (status == 401 || status == 402 || status == 403 || status == 404) {
            return true;
        }
        if (status == 429) {
            return "insufficient_quota".equals(p.code());
        }
        if (status == 503 && p.retryAfter() != null) {
            Instant since = intent.timings() != null && intent.timings().receivedAt() != null
                    ? intent.timings().receivedAt() : intent.updatedAt();
            return now.plus(p.retryAfter()).isAfter(since.plus(deadline));
        }
        return false;
    }

    /** Whether the provider says it does not have the model (404, or a {@code model_not_found} code). */
    static boolean modelNotFound(ProviderException p) {
        String code = p.code() == null ? "" : p.code().toLowerCase(Locale.ROOT);
        return code.contains("model_not_found") || p.httpStatus() == 404 && code.contains("model");
    }
}
