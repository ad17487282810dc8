package dev.videoworker.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The poll schedule on its own, in virtual time: bounds, the provider's hint, jitter, and the estimate of the time
 * left from progress or, before any, from the model's expected duration.
 */
class PollScheduleTest {

    static final Instant SUBMITTED = Instant.parse("2025-01-01T00:00:00Z");
    static final Duration MIN = Duration.ofSeconds(2);
    static final Duration MAX = Duration.ofMinutes(2);
    static final Duration EXPECTED = Duration.ofMinutes(3);

    static PollSchedule withoutJitter() {
        return new PollSchedule(MIN, MAX, 0, () -> 0.5);
    }

    static Instant at(double seconds) {
        return SUBMITTED.plusMillis(Math.round(seconds * 1000));
    }

    static PollSchedule.Seen seen(int progress, double seconds) {
        return new PollSchedule.Seen(progress, at(seconds).toEpochMilli());
    }

    @Test
    void withoutProgressAimsShortOfTheExpectedDuration() {
        PollSchedule schedule = withoutJitter();

        assertThat(schedule.next(SUBMITTED, SUBMITTED, 0, null, EXPECTED, null).delay())
                .isEqualTo(Duration.ofMillis(Math.round(180_000 * PollSchedule.EXPECTED_LEAD)));
        assertThat(schedule.next(at(100), SUBMITTED, 0, null, EXPECTED, null).delay())
                .isEqualTo(Duration.ofMillis(Math.round(80_000 * PollSchedule.EXPECTED_LEAD)));
    }

    @Test
    void aJobLateWithoutProgressIsPolledLessOftenTheLaterItIs() {
        PollSchedule schedule = withoutJitter();

        Duration slightlyLate = schedule.next(at(185), SUBMITTED, 0, null, EXPECTED, null).delay();
        Duration late = schedule.next(at(300), SUBMITTED, 0, null, EXPECTED, null).delay();

        assertThat(slightlyLate).isEqualTo(MIN);
        assertThat(late).isEqualTo(Duration.ofMillis(Math.round(120_000 * PollSchedule.OVERDUE_SHARE)));
    }

    @Test
    void estimatesTheTimeLeftFromTheProgressRateBetweenTheLastPolls() {
        // 40% at 40 s, 80% at 60 s: 2%/s lately (faster than the 1.33%/s since submission), so 10 s left; the
        // expected duration (70 s) leaves 10 s as well.
        double left = PollSchedule.remainingMillis(at(60).toEpochMilli(), SUBMITTED.toEpochMilli(), 80,
                seen(40, 40), 70_000);
        assertThat(left).isCloseTo(10_000, within(1.0));

        PollSchedule.Plan plan = withoutJitter().next(at(60), SUBMITTED, 80, seen(40, 40), Duration.ofSeconds(70),
                null);
        assertThat(plan.delay()).isEqualTo(Duration.ofMillis(Math.round(10_000 * PollSchedule.RATE_LEAD)));
        assertThat(plan.seen()).isEqualTo(seen(80, 60));
    }

    @Test
    void progressOutweighsTheExpectedDurationAsItGrows() {
        // The expected duration says 2 minutes are left; a rate of 1%/s since submission says 90 s at 10% and 10 s at
        // 90%: the estimate follows the rate more the further the job is.
        PollSchedule schedule = withoutJitter();
        Duration early = schedule.next(at(10), SUBMITTED, 10, null, Duration.ofSeconds(130), null).delay();
        Duration late = schedule.next(at(90), SUBMITTED, 90, null, Duration.ofSeconds(210), null).delay();

        double earlyLeft = 0.1 * 90_000 + 0.9 * 120_000;
        double lateLeft = 0.9 * 10_000 + 0.1 * 120_000;
        assertThat(early).isEqualTo(Duration.ofMillis(Math.round(earlyLeft * PollSchedule.FIRST_PROGRESS_LEAD)));
        assertThat(late).isEqualTo(Duration.ofMillis(Math.round(lateLeft * PollSchedule.FIRST_PROGRESS_LEAD)));
    }

    @Test
    void aStallDoesNotPushTheNextPollFarAway() {
        // 89% at 182 s, 90% only at 211 s: the rate of that step alone would leave almost 5 minutes; the rate since
        // submission leaves about 23 s.
        PollSchedule.Plan plan = withoutJitter().next(at(211), SUBMITTED, 90, seen(89, 182), EXPECTED, null);

        assertThat(plan.delay()).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void pollsDenselyWhenTheEndIsNear() {
        PollSchedule.Plan plan = withoutJitter().next(at(200), SUBMITTED, 99, seen(97, 196), EXPECTED, null);

        assertThat(plan.delay()).isEqualTo(MIN);
    }

    @Test
    void keepsTheLastProgressThatChanged() {
        PollSchedule schedule = withoutJitter();
        PollSchedule.Seen fifty = seen(50, 100);

        assertThat(schedule.next(at(120), SUBMITTED, 50, fifty, EXPECTED, null).seen()).isSameAs(fifty);
        assertThat(schedule.next(at(120), SUBMITTED, 0, null, EXPECTED, null).seen()).isNull();
        assertThat(schedule.next(at(120), SUBMITTED, 60, fifty, EXPECTED, null).seen()).isEqualTo(seen(60, 120));
    }

    @Test
    void staysWithinMinAndMaxInterval() {
        PollSchedule schedule = new PollSchedule(MIN, MAX, 0.2, new Random(7)::nextDouble);
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            double now = random.nextDouble() * 1_000;
            int progress = random.nextInt(101);
            PollSchedule.Seen previous = random.nextBoolean() ? null
                    : seen(random.nextInt(progress + 1), now * random.nextDouble());
            Duration expected = Duration.ofSeconds(1 + random.nextInt(600));
            Duration hint = random.nextInt(4) == 0 ? Duration.ofMillis(random.nextInt(600_000)) : null;

            Duration delay = schedule.next(at(now), SUBMITTED, progress, previous, expected, hint).delay();

            assertThat(delay).isBetween(MIN, MAX);
        }
    }

    @Test
    void theProvidersHintWinsWithinTheBoundsAndIsNeverShortened() {
        PollSchedule schedule = new PollSchedule(MIN, MAX, 0.2, new Random(3)::nextDouble);
        for (int i = 0; i < 1_000; i++) {
            // Without the hint this would be a wait of over a minute.
            assertThat(schedule.next(SUBMITTED, SUBMITTED, 0, null, EXPECTED, Duration.ofSeconds(7)).delay())
                    .isBetween(Duration.ofSeconds(7), Duration.ofMillis(8_400));
        }
        PollSchedule exact = withoutJitter();
        assertThat(exact.next(at(200), SUBMITTED, 99, null, EXPECTED, Duration.ofSeconds(30)).delay())
                .as("a hint longer than the plan").isEqualTo(Duration.ofSeconds(30));
        assertThat(exact.next(SUBMITTED, SUBMITTED, 0, null, EXPECTED, Duration.ofMillis(100)).delay())
                .as("a hint below min-interval").isEqualTo(MIN);
        assertThat(exact.next(SUBMITTED, SUBMITTED, 0, null, EXPECTED, Duration.ofHours(1)).delay())
                .as("a hint above max-interval").isEqualTo(MAX);
    }

    @Test
    void jitterSpreadsJobsWithTheSameHistoryWithinItsShare() {
        double jitter = 0.15;
        PollSchedule schedule = new PollSchedule(MIN, MAX, jitter, new Random(5)::nextDouble);
        long planned = Math.round(80_000 * PollSchedule.EXPECTED_LEAD);
        Set<Duration> delays = new HashSet<>();
        for (int job = 0; job < 1_000; job++) {
            Duration delay = schedule.next(at(100), SUBMITTED, 0, null, EXPECTED, null).delay();
            assertThat(delay.toMillis()).isBetween(Math.round(planned * (1 - jitter)) - 1,
                    Math.round(planned * (1 + jitter)) + 1);
            delays.add(delay);
        }
        assertThat(delays).as("a thousand jobs submitted together do not poll together").hasSizeGreaterThan(900);
    }

    @Test
    void refusesBoundsThatCannotHold() {
        assertThatThrownBy(() -> new PollSchedule(Duration.ZERO, MAX, 0.1, () -> 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PollSchedule(MAX, MIN, 0.1, () -> 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PollSchedule(MIN, MAX, 1.0, () -> 0.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
