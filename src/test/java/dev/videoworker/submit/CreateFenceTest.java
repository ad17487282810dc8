package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import dev.videoworker.job.Decision;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.Transitions;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.testing.MutableClock;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/**
 * The create call's fence: sent only on an intent that is current and was written less than a second ago; a renewal
 * whose commit came back late (the replica was frozen or stalled meanwhile) is not a fence.
 */
class CreateFenceTest {

    static final Instant T0 = Instant.parse("2026-12-05T03:00:00Z");
    static final Duration FRESH = Duration.ofSeconds(1);

    final MutableClock clock = new MutableClock(T0);
    /** The renewals asked for, in order. */
    final List<JobState> renewed = new ArrayList<>();
    /** Whether the ledger says the intent is still current here (a replica notices a take-over late). */
    boolean current = true;
    /** Whether another replica has taken the partition over: its producer fences this one's writes. */
    boolean takenOver = false;

    static JobState intent(Instant at) {
        return JobState.submitting(new VideoRequest("job-1", "sora-2", "p", "1280x720", "4", null, List.of(), null,
                null, null), 0, BigDecimal.ONE, at, at, null);
    }

    /** A renewal as the driver commits it: decided at the clock's time, after which {@code commit} runs. */
    Function<JobState, Uni<Decision>> renewal(Runnable commit) {
        return intent -> {
            renewed.add(intent);
            if (takenOver) {
                return Uni.createFrom().failure(new NotOwnerException(0));
            }
            Decision decision = Transitions.decide(intent, new JobEvent.IntentRenewed(), clock.instant());
            commit.run();
            return Uni.createFrom().item(decision);
        };
    }

    CreateFence fence(Function<JobState, Uni<Decision>> renew) {
        return new CreateFence(clock, FRESH, state -> current, renew);
    }

    static <T> UniAssertSubscriber<T> run(Uni<T> uni) {
        return uni.subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    @Test
    void aFreshIntentIsItsOwnFence() {
        AtomicReference<JobState> holder = new AtomicReference<>(intent(T0.minusMillis(300)));

        run(fence(renewal(() -> { })).check(holder)).assertItem(true);

        assertThat(renewed).isEmpty();
    }

    @Test
    void anOlderIntentIsRenewedFirstAndTheRenewalIsTheFence() {
        JobState old = intent(T0.minusSeconds(5));
        AtomicReference<JobState> holder = new AtomicReference<>(old);

        run(fence(renewal(() -> clock.advance(Duration.ofMillis(20)))).check(holder)).assertItem(true);

        assertThat(renewed).containsExactly(old);
        assertThat(holder.get().updatedAt()).isEqualTo(T0);
    }

    @Test
    void aJobNoLongerCurrentHereIsNotSent() {
        current = false;
        AtomicReference<JobState> holder = new AtomicReference<>(intent(T0.minusMillis(10)));

        run(fence(renewal(() -> { })).check(holder)).assertItem(false);
    }

    /**
     * FrozenReplicaIT's failure, made deterministic: the replica is frozen while its renewal's commit is on its way;
     * another replica takes the partition over meanwhile and, once the create timeout has passed since that renewal,
     * creates the job. The commit's answer arrives when the frozen replica resumes, before it has noticed that the
     * partition moved: sending now would pay twice. It renews again instead, which the new owner's producer fences.
     */
    @Test
    void aRenewalThatCameBackLateIsNotAFenceAndATakeOverMeanwhileStopsTheCall() {
        AtomicReference<JobState> holder = new AtomicReference<>(intent(T0.minusSeconds(2)));

        run(fence(renewal(() -> {
            clock.advance(Duration.ofSeconds(20));
            takenOver = true;
        })).check(holder)).assertItem(false);

        assertThat(renewed).as("renewed, then renewed again after the late commit").hasSize(2);
    }

    @Test
    void aRenewalThatCameBackLateAfterTheReplicaNoticedTheTakeOverIsNotSent() {
        AtomicReference<JobState> holder = new AtomicReference<>(intent(T0.minusSeconds(2)));

        run(fence(renewal(() -> {
            clock.advance(Duration.ofSeconds(20));
            current = false;
        })).check(holder)).assertItem(false);

        assertThat(renewed).hasSize(1);
    }

    @Test
    void aRenewalThatCameBackLateIsRenewedAgainWhileTheJobStaysHere() {
        AtomicReference<JobState> holder = new AtomicReference<>(intent(T0.minusSeconds(2)));
        Function<JobState, Uni<Decision>> stalledOnce = intent -> {
            boolean first = renewed.isEmpty();
            return renewal(() -> clock.advance(first ? Duration.ofSeconds(3) : Duration.ofMillis(15))).apply(intent);
        };

        run(fence(stalledOnce).check(holder)).assertItem(true);

        assertThat(renewed).hasSize(2);
        assertThat(Duration.between(holder.get().updatedAt(), clock.instant())).isLessThan(FRESH);
    }

    @Test
    void renewalsThatAlwaysComeBackLateGiveUpForNowWithoutSending() {
        AtomicReference<JobState> holder = new AtomicReference<>(intent(T0.minusSeconds(2)));

        run(fence(renewal(() -> clock.advance(Duration.ofSeconds(2)))).check(holder))
                .assertFailedWith(CreateFence.Failed.class, "came back later than PT1S 3 times");

        assertThat(renewed).hasSize(CreateFence.MAX_RENEWALS);
    }

    @Test
    void aRenewalThatFailedWithoutAnAnswerSendsNothing() {
        AtomicReference<JobState> holder = new AtomicReference<>(intent(T0.minusSeconds(2)));

        run(fence(intent -> Uni.createFrom().failure(new TimeoutException("secret-free broker timeout")))
                .check(holder))
                .assertFailedWith(CreateFence.Failed.class, "TimeoutException");
    }
}
