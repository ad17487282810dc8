package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.journal.JobStore;
import dev.videoworker.testing.MutableClock;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/**
 * Generation slots: a limit on jobs in flight, waiters served oldest first, the consumer paused while anyone waits,
 * and a limit lowered for a while when the provider says too many tasks run.
 */
class GenerationSlotsTest {

    static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");

    final MutableClock clock = new MutableClock(T0);
    final JobStore store = new JobStore();
    final List<Boolean> pauses = new ArrayList<>();
    final GenerationSlots slots = new GenerationSlots(store, 2, Duration.ofMinutes(2), clock);

    GenerationSlotsTest() {
        slots.onPauseChange(pauses::add);
    }

    static JobState submitting(String jobId) {
        return JobState.submitting(new VideoRequest(jobId, "sora-2", "p", "1280x720", "4", null, List.of(), null,
                null, null), 0, BigDecimal.ONE, T0, T0, null);
    }

    /** Acquires a slot for the job and records its intent, as the request consumer and the submitter do. */
    UniAssertSubscriber<Void> start(String jobId) {
        UniAssertSubscriber<Void> slot = slots.acquire(jobId).subscribe().withSubscriber(UniAssertSubscriber.create());
        return slot;
    }

    void intentWritten(String jobId) {
        store.adopt(List.of(submitting(jobId)));
        slots.settle(jobId);
    }

    void ended(String jobId) {
        JobState current = store.find(jobId).orElseThrow();
        store.adopt(List.of(current.ended(JobStatus.FAILED, JobError.of("x", "y"), clock.instant())));
    }

    @Test
    void aJobWaitsForASlotWithTheConsumerPausedAndGetsItWhenOneEnds() {
        start("a").assertCompleted();
        intentWritten("a");
        start("b").assertCompleted();
        intentWritten("b");
        assertThat(store.generating()).isEqualTo(2);

        UniAssertSubscriber<Void> c = start("c");
        c.assertNotTerminated();
        assertThat(slots.waiting()).isEqualTo(1);
        assertThat(pauses).containsExactly(true);

        ended("a");

        c.assertCompleted();
        assertThat(slots.waiting()).isZero();
        assertThat(pauses).containsExactly(true, false);
    }

    /** A waiting job cancelled meanwhile withdraws: its request goes on without a slot, the next one still waits. */
    @Test
    void aWithdrawnJobStopsWaitingWithoutTakingASlot() {
        start("a").assertCompleted();
        intentWritten("a");
        start("b").assertCompleted();
        intentWritten("b");
        UniAssertSubscriber<Void> c = start("c");
        UniAssertSubscriber<Void> d = start("d");
        assertThat(slots.isWaiting("c")).isTrue();

        assertThat(slots.withdraw("c")).isTrue();

        c.assertCompleted();
        slots.settle("c");
        d.assertNotTerminated();
        assertThat(slots.isWaiting("c")).isFalse();
        assertThat(slots.isWaiting("d")).isTrue();
        assertThat(pauses).as("still paused: d waits").containsExactly(true);
        assertThat(slots.withdraw("c")).as("not waiting any more").isFalse();

        assertThat(slots.withdraw("d")).isTrue();
        d.assertCompleted();
        assertThat(pauses).as("nobody waits: resumed").containsExactly(true, false);
    }

    @Test
    void aReservedSlotCountsUntilTheIntentIsDurable() {
        start("a").assertCompleted();
        start("b").assertCompleted();
        // Neither intent is written yet, but both slots are taken.
        start("c").assertNotTerminated();
        slots.settle("a");
        // "a" ended before its intent (say it was rejected): its slot frees.
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void waitersAreServedOldestFirst() {
        start("a").assertCompleted();
        intentWritten("a");
        start("b").assertCompleted();
        intentWritten("b");
        UniAssertSubscriber<Void> c = start("c");
        UniAssertSubscriber<Void> d = start("d");

        ended("b");

        c.assertCompleted();
        d.assertNotTerminated();
    }

    @Test
    void tooManyRunningLowersTheLimitForTheCooldown() {
        GenerationSlots wide = new GenerationSlots(store, 10, Duration.ofMinutes(2), clock);
        for (String id : List.of("a", "b", "c")) {
            wide.acquire(id).subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted();
            store.adopt(List.of(submitting(id)));
            wide.settle(id);
        }
        // "c" was refused: the provider runs two of ours.
        wide.tooManyRunning();
        assertThat(wide.limit()).isEqualTo(2);
        UniAssertSubscriber<Void> d = wide.acquire("d").subscribe().withSubscriber(UniAssertSubscriber.create());
        d.assertNotTerminated();

        clock.set(T0.plus(Duration.ofMinutes(3)));
        wide.drain();

        assertThat(wide.limit()).isEqualTo(10);
        d.assertCompleted();
    }

    @Test
    void jobsOfAPartitionGivenUpFreeTheirSlots() {
        start("a").assertCompleted();
        intentWritten("a");
        start("b").assertCompleted();
        intentWritten("b");
        UniAssertSubscriber<Void> c = start("c");

        store.release(0);

        c.assertCompleted();
        assertThat(store.generating()).isZero();
    }
}
