package dev.videoworker.poll;

import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * Plans when a generating job is polled next: rarely while it is far from done, densely around the time it should
 * finish, and never in step with other jobs. Pure: the clock and the random numbers come from the caller, so the
 * plan can be tested and simulated in virtual time.
 * <p>
 * The remaining time is estimated from the progress rate: the faster of the rate between the last two different
 * progress values seen and the rate since submission (so a stall or a slow start does not push the next poll far
 * past the end), blended with what the model's expected duration leaves, the more progress the less (10% done says
 * little, 90% much). Before any progress, the expected duration alone. The next poll is aimed short of the estimate,
 * the shorter the rougher it is, so the waits shrink as the end nears and a poll lands soon after the video is done.
 * See docs/decisions.md.
 */
public final class PollSchedule {

    /** Share of the estimated remaining time waited when the estimate rests on a progress rate between two polls. */
    static final double RATE_LEAD = 0.75;

    /**
     * Share waited when one progress value is known: its rate since submission includes the queue and says nothing
     * about a job that speeds up, so the aim is shorter.
     */
    static final double FIRST_PROGRESS_LEAD = 0.5;

    /** Share waited when only the model's expected duration is known. */
    static final double EXPECTED_LEAD = 0.65;

    /**
     * Share of the time a job without progress is past its expected duration that is waited: the later it is, the
     * less the expected duration says about when it ends.
     */
    static final double OVERDUE_SHARE = 0.25;

    private final Duration minInterval;
    private final Duration maxInterval;
    private final double jitter;
    private final DoubleSupplier uniform;

    /**
     * @param minInterval shortest wait between two polls, provider hints included
     * @param maxInterval longest wait between two polls, provider hints included
     * @param jitter share of each planned wait that is random, in [0, 1): 0.15 spreads waits over ±15%
     * @param uniform random numbers in [0, 1)
     */
    public PollSchedule(Duration minInterval, Duration maxInterval, double jitter, DoubleSupplier uniform) {
        if (minInterval.isNegative() || minInterval.isZero() || maxInterval.compareTo(minInterval) < 0) {
            throw new IllegalArgumentException("poll intervals need 0 < min-interval <= max-interval, got "
                    + minInterval + " and " + maxInterval);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("poll jitter must be in [0, 1), got " + jitter);
        }
        this.minInterval = minInterval;
        this.maxInterval = maxInterval;
        this.jitter = jitter;
        this.uniform = uniform;
    }

    /**
     * What a job's schedule keeps between polls (a few bytes per job): the last progress value that differed from the
     * one before it, and when it was seen.
     */
    public record Seen(int progress, long atMillis) {
    }

    /** The wait until the next poll, and what to keep for the plan after it. */
    public record Plan(Duration delay, Seen seen) {
    }

    /**
     * Plans the poll after one that saw {@code progress}.
     *
     * @param now when the poll's answer arrived
     * @param submittedAt when the provider accepted the job
     * @param progress percent done (0 while queued or not reported)
     * @param previous what the previous plan kept, or null (first plan, or the history was lost in a restart)
     * @param expected how long the model usually takes, submission to completion
     * @param pollAfter the provider's {@code openai-poll-after-ms} hint, or null
     */
    public Plan next(Instant now, Instant submittedAt, int progress, Seen previous, Duration expected,
            Duration pollAfter) {
        long nowMs = now.toEpochMilli();
        int p = Math.max(0, Math.min(100, progress));
        Seen seen = p > 0 && (previous == null || previous.progress() != p) ? new Seen(p, nowMs) : previous;
        if (pollAfter != null) {
            // The provider knows its queue: follow its hint, within our bounds, and only ever later, never earlier.
            double hinted = clamp(pollAfter.toMillis());
            return new Plan(delayOf(hinted * (1 + jitter * uniform.getAsDouble())), seen);
        }
        double planned = planMillis(nowMs, submittedAt.toEpochMilli(), p, previous, expected.toMillis());
        return new Plan(delayOf(clamp(planned) * (1 + jitter * (2 * uniform.getAsDouble() - 1))), seen);
    }

    /**
     * The estimated time until the job is done, in milliseconds; negative when a job without progress is later than
     * its expected duration.
     */
    static double remainingMillis(long nowMs, long submittedMs, int progress, Seen previous, long expectedMs) {
        long elapsed = nowMs - submittedMs;
        if (progress <= 0) {
            return expectedMs - elapsed;
        }
        double perMs = progress / (double) Math.max(1, elapsed);
        if (movedSince(previous, progress, nowMs)) {
            perMs = Math.max(perMs, (progress - previous.progress()) / (double) (nowMs - previous.atMillis()));
        }
        double fromRate = (100 - progress) / perMs;
        double fromExpected = Math.max(0, expectedMs - elapsed);
        double weight = progress / 100.0;
        return weight * fromRate + (1 - weight) * fromExpected;
    }

    private static double planMillis(long nowMs, long submittedMs, int progress, Seen previous, long expectedMs) {
        double remaining = remainingMillis(nowMs, submittedMs, progress, previous, expectedMs);
        if (progress > 0) {
            return remaining * (movedSince(previous, progress, nowMs) ? RATE_LEAD : FIRST_PROGRESS_LEAD);
        }
        return remaining > 0 ? remaining * EXPECTED_LEAD : -remaining * OVERDUE_SHARE;
    }

    private static boolean movedSince(Seen previous, int progress, long nowMs) {
        return previous != null && previous.progress() < progress && previous.atMillis() < nowMs;
    }

    private double clamp(double millis) {
        return Math.max(minInterval.toMillis(), Math.min(maxInterval.toMillis(), millis));
    }

    private Duration delayOf(double millis) {
        return Duration.ofMillis(Math.round(clamp(millis)));
    }
}
