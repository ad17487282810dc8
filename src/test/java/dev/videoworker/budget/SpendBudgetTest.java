package dev.videoworker.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The spend budget: a sliding window, charges given back only when nothing was made, a replica's share by partitions,
 * charges rebuilt with a partition, and the spend metric.
 */
class SpendBudgetTest {

    static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");

    final MutableClock clock = new MutableClock(T0);
    int topicPartitions = 1;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    SpendBudget budget(String limit, String window) {
        Map<String, String> overrides = new HashMap<>();
        overrides.put("worker.budget.limit-usd", limit);
        overrides.put("worker.budget.window", window);
        WorkerConfig config = TestConfig.worker(overrides);
        return new SpendBudget(config.budget(), new ModelCatalog(config), () -> topicPartitions, registry, clock);
    }

    static BigDecimal usd(String value) {
        return new BigDecimal(value);
    }

    @Test
    void rejectsTheJobThatWouldGoOverAndSaysWhenTheWindowFrees() {
        SpendBudget budget = budget("1.00", "1h");
        assertThat(budget.reserve("a", 0, usd("0.40"))).isEmpty();
        assertThat(budget.reserve("b", 0, usd("0.40"))).isEmpty();

        Optional<JobError> third = budget.reserve("c", 0, usd("0.40"));

        assertThat(third).isPresent();
        assertThat(third.get().code()).isEqualTo("budget_exceeded");
        assertThat(third.get().retryable()).isTrue();
        assertThat(third.get().message()).contains("$0.40", "$1.20", "$1.00", "worker.budget.limit-usd",
                T0.plus(Duration.ofHours(1)).toString());
        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.80");
        // A cheaper job still fits.
        assertThat(budget.reserve("d", 0, usd("0.20"))).isEmpty();
    }

    @Test
    void chargesLeaveTheWindowAsTimePasses() {
        SpendBudget budget = budget("1.00", "1h");
        assertThat(budget.reserve("a", 0, usd("1.00"))).isEmpty();
        clock.set(T0.plus(Duration.ofMinutes(59)));
        assertThat(budget.reserve("b", 0, usd("0.10"))).isPresent();
        clock.set(T0.plus(Duration.ofMinutes(61)));
        assertThat(budget.reserve("b", 0, usd("0.10"))).isEmpty();
        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.10");
    }

    @Test
    void aRefundedChargeFreesTheBudgetAndAResubmissionIsNotChargedTwice() {
        SpendBudget budget = budget("0.50", "1h");
        assertThat(budget.reserve("a", 0, usd("0.40"))).isEmpty();
        // The same job again (a resubmission after a reconciliation found nothing) is not a second charge.
        assertThat(budget.reserve("a", 0, usd("0.40"))).isEmpty();
        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.40");
        assertThat(budget.reserve("b", 0, usd("0.40"))).isPresent();

        budget.refund("a");

        assertThat(budget.reserve("b", 0, usd("0.40"))).isEmpty();
    }

    @Test
    void aReplicaMayCommitItsPartitionsShareOfTheLimit() {
        topicPartitions = 4;
        SpendBudget budget = budget("10.00", "1h");
        budget.adopt(0, List.of());
        assertThat(budget.allowance()).isEqualByComparingTo("2.50");
        assertThat(budget.reserve("a", 0, usd("2.40"))).isEmpty();
        Optional<JobError> over = budget.reserve("b", 0, usd("0.40"));
        assertThat(over).isPresent();
        assertThat(over.get().message()).contains("1 of 4 partitions", "$10.00");

        budget.adopt(1, List.of());

        assertThat(budget.allowance()).isEqualByComparingTo("5.00");
        assertThat(budget.reserve("b", 1, usd("0.40"))).isEmpty();
    }

    @Test
    void chargesFollowTheirPartition() {
        SpendBudget budget = budget("1.00", "1h");
        budget.adopt(0, List.of());
        budget.adopt(1, List.of());
        budget.reserve("a", 0, usd("0.60"));
        budget.reserve("b", 1, usd("0.30"));

        budget.release(1);

        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.60");
    }

    @Test
    void aRebuiltPartitionCountsWhatWasSubmittedWithinTheWindowAndNothingThatWasNotMade() {
        SpendBudget budget = budget("5.00", "1h");
        JobState old = submitted("old", T0.minus(Duration.ofHours(2)));
        JobState recent = submitted("recent", T0.minus(Duration.ofMinutes(10)));
        JobState inFlight = JobState.submitting(request("in-flight"), 0, usd("0.40"), T0, T0.minusSeconds(5), null);
        JobState refused = JobState.submitting(request("refused"), 0, usd("0.40"), T0, T0.minusSeconds(5), null)
                .ended(JobStatus.FAILED, JobError.of("invalid_request_error", "no"), T0.minusSeconds(4));
        JobState unknown = JobState.submitting(request("unknown"), 0, usd("0.40"), T0, T0.minusSeconds(5), null)
                .ended(JobStatus.FAILED, JobError.of("submission_unknown", "maybe"), T0.minusSeconds(4));
        JobState rejected = JobState.rejected("rejected", 0, request("rejected"), JobError.of("x", "y"), T0, T0, null);

        budget.adopt(0, List.of(old, recent, inFlight, refused, unknown, rejected));

        // recent + in flight + unknown (a video may have been made and billed)
        assertThat(budget.spentInWindow()).isEqualByComparingTo("1.20");
    }

    /**
     * A job that ended longer ago than the store's retention is rebuilt slim (no request): it still counts, at its
     * submission time, for its estimate or its actual cost. (It used to count for nothing: a replica taking over a
     * partition could commit up to the whole window's spend again.)
     */
    @Test
    void aRebuiltPartitionCountsItsSlimJobsToo() {
        SpendBudget budget = budget("5.00", "24h");
        JobState stored = submitted("stored", T0.minus(Duration.ofHours(3)))
                .ended(JobStatus.STORED, null, T0.minus(Duration.ofHours(2))).slim();
        JobState settled = submitted("settled", T0.minus(Duration.ofHours(3))).withActualCost(usd("0.25"))
                .ended(JobStatus.STORED, null, T0.minus(Duration.ofHours(2))).slim();
        JobState outside = submitted("outside", T0.minus(Duration.ofHours(25)))
                .ended(JobStatus.STORED, null, T0.minus(Duration.ofHours(2))).slim();
        assertThat(stored.request()).as("slim").isNull();
        assertThat(stored.chargedAt()).isEqualTo(T0.minus(Duration.ofHours(3)));

        budget.adopt(0, List.of(stored, settled, outside));

        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.65");
    }

    @Test
    void theSpendMetricCountsAcceptedVideosByModel() {
        SpendBudget budget = budget("5.00", "1h");
        budget.billed(submitted("a", T0));
        budget.billed(submitted("b", T0));
        budget.reserve("c", 0, usd("0.40"));

        assertThat(registry.get("worker.spend").tag("model", "sora-2").counter().count()).isEqualTo(0.8);
        assertThat(registry.get("worker.budget.window.spend").gauge().value()).isEqualTo(0.4);
        assertThat(registry.get("worker.budget.limit").gauge().value()).isEqualTo(5.0);
    }

    @Test
    void theActualCostReplacesTheEstimateOnceAndARebuiltPartitionCountsItOnce() {
        SpendBudget budget = budget("1.00", "1h");
        budget.adopt(0, List.of());
        assertThat(budget.reserve("a", 0, usd("0.40"))).isEmpty();
        assertThat(budget.reserve("b", 0, usd("0.40"))).isEmpty();
        clock.set(T0.plus(Duration.ofMinutes(5)));
        JobState generated = generated("a", T0, usd("0.15"));

        budget.settled(generated, "together");

        // 0.15 (actual) + 0.40 (estimate of b): the estimate of a is replaced, not added to
        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.55");
        assertThat(registry.get("worker.spend.actual").tag("provider", "together").tag("model", "sora-2").counter()
                .count()).isEqualTo(0.15);
        budget.settled(generated, "together");
        assertThat(budget.spentInWindow()).as("replaced again, never added").isEqualByComparingTo("0.55");
        assertThat(budget.reserve("c", 0, usd("0.40"))).as("the freed estimate makes room").isEmpty();
        budget.refund("c");

        // a take-over rebuilds the charge from the job's state: the actual cost, once, at the time of submission
        budget.release(0);
        budget.adopt(0, List.of(generated, submitted("b", T0)));
        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.55");
        clock.set(T0.plus(Duration.ofMinutes(61)));
        assertThat(budget.spentInWindow()).isZero();
    }

    @Test
    void anActualCostCountsForAJobThatHadNoEstimateAndNoCostChangesNothing() {
        SpendBudget budget = budget("1.00", "1h");
        budget.adopt(0, List.of());
        JobState unpriced = JobState.submitting(request("u"), 0, null, T0, T0, null)
                .submitted("video_u", T0, T0.plus(Duration.ofMinutes(30)));
        assertThat(budget.reserve("u", 0, null)).isEmpty();

        budget.settled(generated("p", T0, null), "openai");
        budget.settled(unpriced.generated(T0.plusSeconds(60), T0.plusSeconds(60)).withActualCost(usd("0.25")),
                "openai");

        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.25");
        assertThat(registry.find("worker.spend.actual").tag("provider", "openai").counter().count())
                .isEqualTo(0.25);
        // a partition this replica does not own is not charged here (its owner counts it)
        budget.settled(JobState.submitting(request("v"), 2, null, T0, T0, null).submitted("video_v", T0, T0)
                .generated(T0, T0).withActualCost(usd("0.50")), "openai");
        assertThat(budget.spentInWindow()).isEqualByComparingTo("0.25");
    }

    @Test
    void withoutALimitEveryJobIsAllowedAndStillCounted() {
        Map<String, String> overrides = Map.of();
        WorkerConfig config = TestConfig.worker(overrides);
        SpendBudget budget = new SpendBudget(config.budget(), new ModelCatalog(config), () -> 1, registry, clock);
        for (int i = 0; i < 100; i++) {
            assertThat(budget.reserve("job-" + i, 0, usd("3.60"))).isEmpty();
        }
        assertThat(budget.spentInWindow()).isEqualByComparingTo("360.00");
    }

    @Test
    void refusesABudgetWhenAModelHasNoPrice() {
        Map<String, String> overrides = Map.of("worker.budget.limit-usd", "10",
                "worker.models.free-model.sizes", "640x480", "worker.models.free-model.seconds", "4");
        WorkerConfig config = TestConfig.worker(overrides);
        assertThatThrownBy(() -> new SpendBudget(config.budget(), new ModelCatalog(config), () -> 1, registry, clock))
                .hasMessageContaining("free-model").hasMessageContaining("price-per-clip");
    }

    @Test
    void aPerClipPriceIsTheCostWhenNoPerSecondPriceApplies() {
        WorkerConfig config = TestConfig.worker(Map.of("worker.models.clip-model.sizes", "640x480",
                "worker.models.clip-model.seconds", "4,8", "worker.models.clip-model.price-per-clip", "0.25"));
        ModelCatalog catalog = new ModelCatalog(config);
        assertThat(catalog.estimateCost("clip-model", "640x480", "8")).contains(usd("0.25"));
        assertThat(catalog.estimateCost("sora-2-pro", "1792x1024", "8")).contains(usd("4.00"));
        assertThat(catalog.modelsWithoutPrice()).isEmpty();
    }

    static VideoRequest request(String jobId) {
        return new VideoRequest(jobId, "sora-2", "a prompt", "1280x720", "4", null, List.of(), null, null, null);
    }

    static JobState generated(String jobId, Instant at, BigDecimal actual) {
        return submitted(jobId, at).generated(at.plusSeconds(3600), at.plusSeconds(60)).withActualCost(actual);
    }

    static JobState submitted(String jobId, Instant at) {
        return JobState.submitting(request(jobId), 0, usd("0.40"), at, at, null).submitted("video_" + jobId, at,
                at.plus(Duration.ofMinutes(30)));
    }
}
