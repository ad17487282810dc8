package dev.videoworker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobSummary;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;

/** The figures of {@code GET /fleet} and the cursor of {@code GET /jobs}, from job states alone. */
class FleetFiguresTest {

    static final Instant NOW = Instant.parse("2026-12-05T10:30:20Z");

    static JobState submitted(String id, Instant at, String cost) {
        VideoRequest request = new VideoRequest(id, "sora-2", "p " + id, "1280x720", "4", null, List.of(), null,
                null, null);
        return JobState.submitting(request, 0, new BigDecimal(cost), at, at, null).submitted("video_" + id, at,
                at.plusSeconds(600));
    }

    static WorkerConfig.Budget budget(Duration window, BigDecimal limit) {
        return new WorkerConfig.Budget() {
            @Override
            public Optional<BigDecimal> limitUsd() {
                return Optional.ofNullable(limit);
            }

            @Override
            public Duration window() {
                return window;
            }
        };
    }

    @Test
    void countsEveryStatusAndZeroForTheAbsentOnes() {
        FleetResource.Counts counts = FleetResource.counts(summaries(submitted("a", NOW, "1"),
                submitted("b", NOW, "1").withStatus(JobStatus.IN_PROGRESS, NOW)));
        assertThat(counts.total()).isEqualTo(2);
        assertThat(counts.byStatus()).containsEntry("submitted", 1).containsEntry("in_progress", 1)
                .containsEntry("stored", 0).doesNotContainKey("accepted").hasSize(JobStatus.values().length - 1);
    }

    @Test
    void endedJobsFallInTheMinuteTheyEndedOverTheLastHourOnly() {
        JobState stored = submitted("s", NOW.minusSeconds(100), "1").ended(JobStatus.STORED, null,
                NOW.minusSeconds(5));
        JobState failedEarlier = submitted("f", NOW.minusSeconds(4000), "1").ended(JobStatus.FAILED,
                JobError.of("x", "y"), NOW.minus(Duration.ofMinutes(59)));
        JobState tooOld = submitted("o", NOW.minusSeconds(9000), "1").ended(JobStatus.STORED, null,
                NOW.minus(Duration.ofMinutes(61)));
        JobState running = submitted("r", NOW, "1");
        JobState rejected = JobState.rejected("j", 0, null, JobError.of("bad", "bad"), NOW, NOW, null);
        FleetResource.LastHour hour = FleetResource.lastHour(summaries(stored, failedEarlier, tooOld, running,
                rejected), NOW);
        assertThat(hour.start()).isEqualTo(Instant.parse("2026-12-05T09:31:00Z"));
        assertThat(hour.stored()).hasSize(60);
        assertThat(hour.stored()[59]).isEqualTo(1);
        assertThat(hour.rejected()[59]).isEqualTo(1);
        assertThat(hour.failed()[0]).isEqualTo(1);
        assertThat(sum(hour.stored()) + sum(hour.failed()) + sum(hour.rejected()) + sum(hour.cancelled()))
                .isEqualTo(3);
    }

    @Test
    void spendCountsSubmittedJobsOfTodayAndOfTheWindowTheWayTheBudgetDoes() {
        JobState today = submitted("t", Instant.parse("2026-12-05T00:10:00Z"), "0.40");
        JobState settled = submitted("a", NOW.minusSeconds(60), "0.40").withActualCost(new BigDecimal("0.25"));
        JobState yesterday = submitted("y", Instant.parse("2026-12-04T23:50:00Z"), "1.00");
        JobState lastWeek = submitted("w", NOW.minus(Duration.ofDays(7)), "5.00");
        JobState rejected = JobState.rejected("r", 0, null, JobError.of("bad", "bad"), NOW, NOW, null);
        FleetResource.Spend spend = FleetResource.spend(summaries(today, settled, yesterday, lastWeek, rejected), NOW,
                budget(Duration.ofHours(24), new BigDecimal("100")));
        assertThat(spend.day()).hasToString("2026-12-05");
        assertThat(spend.todayUsd()).isEqualByComparingTo("0.65");
        assertThat(spend.windowUsd()).isEqualByComparingTo("1.65");
        assertThat(spend.limitUsd()).isEqualByComparingTo("100");
        assertThat(FleetResource.spend(List.of(), NOW, budget(Duration.ofHours(1), null)).limitUsd()).isNull();
    }

    @Test
    void aCursorComesBackAsItWentAndARandomOneIsRefused() {
        JobSummary last = new PageCursor(NOW, "job-7").asSummary();
        PageCursor cursor = PageCursor.parse(PageCursor.of(last).encode()).orElseThrow();
        assertThat(cursor).isEqualTo(new PageCursor(NOW, "job-7"));
        assertThat(PageCursor.parse(new PageCursor(null, "x|y").encode())).contains(new PageCursor(null, "x|y"));
        assertThat(PageCursor.parse(null)).isEmpty();
        assertThatThrownBy(() -> PageCursor.parse("not-a-cursor!")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageCursor.parse("bm90IGEgY3Vyc29y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageCursor.parse("YWJjfGQ")).isInstanceOf(IllegalArgumentException.class);
        // Newest first, then by id: the job after the cursor in that order is older, or as old with a later id.
        assertThat(PageCursor.ORDER.compare(new PageCursor(NOW.minusSeconds(1), "a").asSummary(), last)).isPositive();
        assertThat(PageCursor.ORDER.compare(new PageCursor(NOW, "job-8").asSummary(), last)).isPositive();
        assertThat(PageCursor.ORDER.compare(new PageCursor(NOW.plusSeconds(1), "z").asSummary(), last)).isNegative();
    }

    private static List<JobSummary> summaries(JobState... jobs) {
        return Stream.of(jobs).map(JobSummary::of).toList();
    }

    private static int sum(int[] values) {
        int total = 0;
        for (int v : values) {
            total += v;
        }
        return total;
    }
}
