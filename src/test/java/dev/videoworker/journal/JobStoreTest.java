package dev.videoworker.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;

/** The bounded job index: ended jobs leave it first, the longest-ended first; their ids stay recognised. */
class JobStoreTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    private static JobState intent(int i, String prompt) {
        VideoRequest request = new VideoRequest("job-" + i, "sora-2", prompt, "720x1280", "4", null, null, null, null,
                null);
        return JobState.submitting(request, i % 3, null, T0, T0.plusSeconds(i), null).asVersion(1);
    }

    private static JobState ended(int i, String prompt) {
        return intent(i, prompt).submitted("video-" + i, T0.plusSeconds(i), T0.plusSeconds(3600))
                .ended(JobStatus.FAILED, JobError.of("timeout", "x"), T0.plusSeconds(i)).asVersion(3);
    }

    @Test
    void endedJobsLeaveTheIndexLongestEndedFirstAndAreStillRecognised() {
        JobStore store = new JobStore(100, Long.MAX_VALUE);
        List<JobState> underWay = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            if (i % 100 == 0) {
                JobState running = intent(100_000 + i, "still running");
                underWay.add(running);
                store.put(running);
            }
            store.put(ended(i, "a cat " + i));
        }

        assertThat(store.size()).isLessThanOrEqualTo(100);
        assertThat(underWay).allSatisfy(j -> assertThat(store.find(j.jobId())).contains(j));
        assertThat(store.find("job-999")).as("the last to end is still held whole")
                .hasValueSatisfying(s -> assertThat(s.request()).isNotNull());
        JobState first = store.find("job-0").orElseThrow();
        assertThat(first.request()).as("the first to end is known by id only").isNull();
        assertThat(first.status()).isEqualTo(JobStatus.FAILED);
        assertThat(first.version()).isEqualTo(3);
        assertThat(first.partition()).isEqualTo(0);
        assertThat(store.evictedCount() + store.size()).isEqualTo(1010);
        assertThat(store.endedBefore(T0.plusSeconds(10_000))).as("every ended job is still due for its tombstone")
                .hasSize(1000);
        assertThat(store.findByVideoId("video-0")).isEmpty();
        assertThat(store.findByVideoId("video-999")).isPresent();

        store.remove("job-0");
        assertThat(store.find("job-0")).as("tombstoned").isEmpty();
        store.release(1);
        assertThat(store.find("job-1")).as("its partition given up").isEmpty();
        assertThat(store.find("job-2")).isPresent();
    }

    @Test
    void theByteBoundEvictsEndedJobsToo() {
        JobStore store = new JobStore(Integer.MAX_VALUE, 1_000_000);
        String prompt = "p".repeat(10_000);
        for (int i = 0; i < 500; i++) {
            store.put(ended(i, prompt));
        }

        assertThat(store.estimatedBytes()).isLessThanOrEqualTo(1_000_000);
        assertThat(store.size()).isBetween(20, 60);
        assertThat(store.find("job-0")).hasValueSatisfying(s -> assertThat(s.request()).isNull());
    }

    @Test
    void jobsUnderWayNeverLeaveTheIndexEvenBeyondItsBound() {
        JobStore store = new JobStore(10, Long.MAX_VALUE);
        for (int i = 0; i < 50; i++) {
            store.put(intent(i, "running " + i));
        }

        assertThat(store.size()).isEqualTo(50);
        assertThat(store.generating()).isEqualTo(50);
        assertThat(store.evictedCount()).isZero();
    }
}
