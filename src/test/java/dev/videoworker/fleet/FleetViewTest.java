package dev.videoworker.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;

/**
 * The fleet view's content, record by record as the job topic delivers them: the last state of a job wins, a
 * tombstone forgets it, the least recently changed job leaves first beyond the bound, and the jobs of a partition
 * this replica owns are never answered from the view (its own store is fresher).
 */
class FleetViewTest {

    static final Instant T0 = Instant.parse("2026-12-05T04:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    final Set<Integer> owned = new HashSet<>();

    FleetView view(int maxJobs) {
        return view(maxJobs, Long.MAX_VALUE);
    }

    FleetView view(int maxJobs, long maxBytes) {
        return new FleetView(Map.of(), JSON, owned::contains, "video.jobs", true, maxJobs, maxBytes);
    }

    static String state(String jobId, int partition, JobStatus status) throws Exception {
        JobState submitting = JobState.submitting(new VideoRequest(jobId, "sora-2", "p " + jobId, "1280x720", "4",
                null, List.of(), null, null, null), partition, BigDecimal.ONE, T0, T0, null);
        return JSON.writeValueAsString(submitting.withStatus(status, T0.plusSeconds(1)));
    }

    @Test
    void theLastStateOfAJobWinsAndATombstoneForgetsIt() throws Exception {
        FleetView view = view(10);
        assertThat(view.apply("job-1", state("job-1", 1, JobStatus.SUBMITTING))).isTrue();
        assertThat(view.apply("job-1", state("job-1", 1, JobStatus.IN_PROGRESS))).isTrue();
        assertThat(view.find("job-1")).get().extracting(seen -> seen.state().status())
                .isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(view.find("job-1").get().lag()).as("not read to the partition's end yet").isNull();

        view.apply("job-1", null);
        assertThat(view.find("job-1")).isEmpty();
        assertThat(view.apply("job-2", "{not a state")).isFalse();
        assertThat(view.size()).isZero();
    }

    @Test
    void beyondItsBoundTheJobChangedLeastRecentlyLeavesFirst() throws Exception {
        FleetView view = view(3);
        for (String id : List.of("a", "b", "c")) {
            view.apply(id, state(id, 0, JobStatus.QUEUED));
        }
        view.apply("a", state("a", 0, JobStatus.IN_PROGRESS));
        view.apply("d", state("d", 0, JobStatus.QUEUED));

        assertThat(view.size()).isEqualTo(3);
        assertThat(view.find("b")).as("changed least recently").isEmpty();
        assertThat(view.all()).extracting(seen -> seen.state().jobId()).containsExactly("c", "a", "d");
    }

    /** Long prompts fill the byte bound before the count: the least recently changed leave until it holds again. */
    @Test
    void beyondItsByteBoundTheJobChangedLeastRecentlyLeavesFirst() throws Exception {
        String longPrompt = "x".repeat(30_000);
        long oneJob = JSON.readValue(longState("probe", longPrompt), JobState.class).estimatedBytes();
        FleetView view = view(1000, oneJob * 3 + oneJob / 2);
        for (String id : List.of("a", "b", "c", "d", "e")) {
            view.apply(id, longState(id, longPrompt));
        }
        assertThat(view.all()).extracting(seen -> seen.state().jobId()).containsExactly("c", "d", "e");
        assertThat(view.bytes()).isLessThanOrEqualTo(oneJob * 3 + oneJob / 2).isGreaterThan(oneJob * 2);

        view.apply("c", null);
        view.forget(0);
        assertThat(view.size()).isZero();
        assertThat(view.bytes()).as("bytes after a tombstone and a partition taken over").isZero();
    }

    static String longState(String jobId, String prompt) throws Exception {
        JobState submitting = JobState.submitting(new VideoRequest(jobId, "sora-2", prompt, "1280x720", "4",
                null, List.of(), null, null, null), 0, BigDecimal.ONE, T0, T0, null);
        return JSON.writeValueAsString(submitting);
    }

    @Test
    void jobsOfAPartitionThisReplicaOwnsAreNotAnsweredFromTheView() throws Exception {
        FleetView view = view(10);
        view.apply("mine", state("mine", 2, JobStatus.QUEUED));
        view.apply("theirs", state("theirs", 1, JobStatus.QUEUED));
        owned.add(2);

        assertThat(view.find("mine")).isEmpty();
        assertThat(view.all()).extracting(seen -> seen.state().jobId()).containsExactly("theirs");
        view.forget(2);
        owned.clear();
        assertThat(view.find("mine")).as("dropped when the partition was taken over").isEmpty();
    }
}
