package dev.videoworker.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.videoworker.job.JobState;
import dev.videoworker.job.JobSummary;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.Route;
import dev.videoworker.job.StoredObject;
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

    static byte[] state(String jobId, int partition, JobStatus status) throws Exception {
        JobState submitting = JobState.submitting(new VideoRequest(jobId, "sora-2", "p " + jobId, "1280x720", "4",
                null, List.of(), null, null, null), partition, BigDecimal.ONE, T0, T0, null);
        return JSON.writeValueAsBytes(submitting.withStatus(status, T0.plusSeconds(1)));
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
        assertThat(view.apply("job-2", "{not a state".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(view.apply("job-3", "{\"partition\":1,\"status\":\"queued\"}".getBytes(StandardCharsets.UTF_8)))
                .as("no job id").isFalse();
        assertThat(view.apply("job-4", "{\"jobId\":\"job-4\",\"partition\":1}".getBytes(StandardCharsets.UTF_8)))
                .as("no status").isFalse();
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
        FleetView probe = view(1000);
        probe.apply("probe", longState("probe", longPrompt(0)));
        long oneJob = probe.bytes();
        assertThat(oneJob).as("a job with a prompt of 30,000 random letters").isGreaterThan(15_000);
        FleetView view = view(1000, oneJob * 3 + oneJob / 2);
        int n = 0;
        for (String id : List.of("a", "b", "c", "d", "e")) {
            view.apply(id, longState(id, longPrompt(++n)));
        }
        assertThat(view.all()).extracting(seen -> seen.state().jobId()).containsExactly("c", "d", "e");
        assertThat(view.bytes()).isLessThanOrEqualTo(oneJob * 3 + oneJob / 2).isGreaterThan(oneJob * 2);

        view.apply("c", null);
        view.forget(0);
        assertThat(view.size()).isZero();
        assertThat(view.bytes()).as("bytes after a tombstone and a partition taken over").isZero();
    }

    /** Letters that do not compress much (a prompt's words would, so the bound would need many more jobs). */
    static String longPrompt(int seed) {
        Random random = new Random(seed);
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < 30_000; i++) {
            prompt.append((char) ('a' + random.nextInt(26)));
        }
        return prompt.toString();
    }

    /**
     * A job is held as its summary and its record packed: read back whole, equal to what was committed, in a fraction
     * of the heap the parsed state took (the bench's 3-replica figure depends on it).
     */
    @Test
    void aJobIsHeldPackedAndReadBackWhole() throws Exception {
        JobState committed = JobState.submitting(new VideoRequest("job-7", "sora-2", "A paper lantern drifting over "
                + "a river at night", "1280x720", "8", null, List.of(), null, null, JSON.readTree("{\"team\":\"a\"}")),
                4, new BigDecimal("0.80"), T0, T0, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                new Route("fast", "sora-2", "default"), null)
                .submitted("video_68d7512d07848190b3e45da0ecbebcde0b2d6ad5", T0.plusSeconds(1), T0.plusSeconds(3600))
                .withActualCost(new BigDecimal("0.75")).generated(T0.plusSeconds(86_400), T0.plusSeconds(90))
                .stored(new StoredObject("videos", "jobs/job-7/video.mp4", "s3://videos/jobs/job-7/video.mp4", 1234567,
                        "9f86d081884c7d659a2feb1b7c2a6be4b0f5d4a0f5ad3f4e1a2a0bbbd2f0ab5c", "video/mp4"), Map.of(),
                        T0.plusSeconds(95))
                .asVersion(5);
        byte[] record = JSON.writeValueAsBytes(committed);
        FleetView view = view(10);
        view.apply("job-7", record);

        FleetView.Seen seen = view.find("job-7").orElseThrow();
        assertThat(seen.state()).isEqualTo(JSON.readValue(record, JobState.class));
        assertThat(seen.summary()).isEqualTo(JobSummary.of(committed));
        assertThat(seen.summary().provider()).isEqualTo("fast");
        assertThat(seen.summary().chargedUsd()).isEqualByComparingTo("0.75");
        assertThat(seen.summary().endedAt()).isEqualTo(T0.plusSeconds(95));
        assertThat(view.bytes()).as("held for a record of %d bytes", record.length)
                .isLessThan(FleetView.ENTRY_OVERHEAD + record.length / 2);
        assertThat(view.bytes()).isLessThan(committed.estimatedBytes() / 2);
    }

    static byte[] submitted(String jobId, String usd, Instant at) throws Exception {
        return JSON.writeValueAsBytes(JobState.submitting(new VideoRequest(jobId, "sora-2", "p " + jobId, "1280x720",
                "4", null, List.of(), null, null, null), 0, new BigDecimal(usd), at, at, null)
                .submitted("video_" + jobId, at, at.plusSeconds(3600)));
    }

    /** An entry holds its times flat (to the nanosecond) and shares the amounts jobs repeat. */
    @Test
    void anEntryKeepsItsTimesToTheNanosecondAndSharesRepeatedAmounts() throws Exception {
        Instant last = Instant.parse("2262-04-11T23:47:16.854775807Z");
        Instant first = Instant.parse("1677-09-21T00:12:44Z");
        for (Instant t : new Instant[] {Instant.parse("2026-12-05T04:00:00.123456789Z"),
                Instant.parse("1969-12-31T23:59:59.5Z"), Instant.EPOCH, last, first}) {
            assertThat(FleetView.Entry.instant(FleetView.Entry.nanos(t))).isEqualTo(t);
        }
        assertThatThrownBy(() -> FleetView.Entry.nanos(last.plusNanos(1))).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> FleetView.Entry.nanos(first.minusSeconds(1))).isInstanceOf(ArithmeticException.class);
        assertThat(FleetView.Entry.instant(FleetView.Entry.nanos(null))).isNull();

        FleetView view = view(10);
        Instant at = Instant.parse("2026-12-05T04:00:00.123456Z");
        view.apply("a", submitted("a", "0.40", at));
        view.apply("b", submitted("b", "0.40", at.plusNanos(1)));
        JobSummary a = view.find("a").orElseThrow().summary();
        JobSummary b = view.find("b").orElseThrow().summary();
        assertThat(a).isEqualTo(JobSummary.of(JSON.readValue(submitted("a", "0.40", at), JobState.class)));
        assertThat(b.updatedAt()).isEqualTo(at.plusNanos(1));
        assertThat(b.chargedUsd()).isSameAs(a.chargedUsd());

        // a time beyond what the entry holds (no worker writes one) leaves the record out, and what the view held of
        // that job goes (it is no longer its last state); the view keeps going
        assertThat(view.apply("b", submitted("b", "0.40", Instant.parse("2300-01-01T00:00:00Z")))).isFalse();
        assertThat(view.find("b")).isEmpty();
        assertThat(view.size()).isEqualTo(1);
    }

    /** A record whose key is not its job's id (a foreign producer's) is held and read back under its key. */
    @Test
    void aRecordUnderAnotherKeyIsReadBackWhole() throws Exception {
        FleetView view = view(10);
        byte[] record = submitted("inner-id", "0.40", T0);
        assertThat(view.apply("outer-key", record)).isTrue();
        FleetView.Seen seen = view.find("outer-key").orElseThrow();
        assertThat(seen.state()).isEqualTo(JSON.readValue(record, JobState.class));
        assertThat(seen.summary().jobId()).as("the state's own id, not the key").isEqualTo("inner-id");
        assertThat(view.find("inner-id")).as("found under its key only").isEmpty();
        FleetView same = view(10);
        same.apply("inner-id", record);
        assertThat(view.bytes()).as("the id kept apart costs its bytes").isGreaterThan(same.bytes() + 40);
        assertThat(seen.mayMention("p inner-id")).isTrue();
        assertThat(seen.mayMention("not in it")).isFalse();
    }

    @Test
    void aSearchReadsAJobOnlyWhenItsRecordMayHoldTheText() throws Exception {
        FleetView view = view(10);
        view.apply("job-1", state("job-1", 1, JobStatus.IN_PROGRESS));
        FleetView.Seen seen = view.find("job-1").orElseThrow();

        assertThat(seen.mayMention("p job-1")).as("its prompt, lower case").isTrue();
        assertThat(seen.mayMention("lighthouse")).isFalse();
        assertThat(seen.mayMention("say \"hi\"")).as("a quote is escaped in the record: cannot tell").isTrue();
    }

    @Test
    void modelAndProviderNamesAreSharedBetweenJobsButNotThoseOfRejectedRequests() throws Exception {
        FleetView view = view(10);
        view.apply("a", state("a", 1, JobStatus.QUEUED));
        view.apply("b", state("b", 1, JobStatus.QUEUED));
        view.apply("c", state("c", 1, JobStatus.REJECTED));
        assertThat(view.find("a").orElseThrow().summary().model())
                .isSameAs(view.find("b").orElseThrow().summary().model())
                .isNotSameAs(view.find("c").orElseThrow().summary().model());
    }

    static byte[] longState(String jobId, String prompt) throws Exception {
        JobState submitting = JobState.submitting(new VideoRequest(jobId, "sora-2", prompt, "1280x720", "4",
                null, List.of(), null, null, null), 0, BigDecimal.ONE, T0, T0, null);
        return JSON.writeValueAsBytes(submitting);
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
