package dev.videoworker.poll;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.event.CompletionEvent;
import dev.videoworker.job.Decision;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.StoredObject;
import dev.videoworker.job.Transitions;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.provider.Dialects;
import dev.videoworker.provider.ProviderSettings;
import dev.videoworker.provider.ProviderStatus;
import dev.videoworker.provider.ProviderVideo;

/**
 * What a poll's answer becomes, without Kafka or a provider: the provider's reported cost travels from the poll through
 * the job's state into its completion event (next to the estimate), and which ended jobs' copies are deleted at the
 * provider. The embedded simulator reports no cost, so this is where the cost's way is tested.
 */
class PollOutcomeTest {

    private static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final StoredObject OBJECT = new StoredObject("videos", "job-1.mp4", "s3://videos/job-1.mp4", 10,
            "00", "video/mp4");

    @Test
    void theReportedCostReachesTheCompletionEventNextToTheEstimate() throws Exception {
        JsonNode completion = completionAfterPoll(new BigDecimal("0.37"));

        assertThat(completion.path("costUsd").decimalValue()).isEqualByComparingTo("0.40");
        assertThat(completion.path("actualCostUsd").decimalValue()).isEqualByComparingTo("0.37");
        assertThat(completion.path("outcome").asText()).isEqualTo("succeeded");
    }

    @Test
    void aCompletionWithoutAReportedCostHasNoActualCost() throws Exception {
        JsonNode completion = completionAfterPoll(null);

        assertThat(completion.path("costUsd").decimalValue()).isEqualByComparingTo("0.40");
        assertThat(completion.has("actualCostUsd")).isFalse();
    }

    @Test
    void theCopyOfAStoredJobIsDeletedOnlyWhereItsProviderDeletesAfterStore() {
        JobState stored = stored(null);
        JobState cancelled = generating().ended(JobStatus.CANCELLED, JobError.of("cancelled", "x"), T0);

        assertThat(Poller.deleteWanted(stored, provider(true))).isTrue();
        assertThat(Poller.deleteWanted(stored, provider(false))).as("delete-after-store=false").isFalse();
        // an unwanted copy (cancelled, timed out) is deleted whatever the setting
        assertThat(Poller.deleteWanted(cancelled, provider(false))).isTrue();
    }

    private static JsonNode completionAfterPoll(BigDecimal cost) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(CompletionEvent.of(stored(cost))));
    }

    /** A generating job polled once more (the provider says completed, with {@code cost}), then stored. */
    private static JobState stored(BigDecimal cost) {
        JobState job = generating();
        ProviderVideo completed = new ProviderVideo("video_1", ProviderStatus.COMPLETED, "completed", 100, "sora-2",
                null, "720x1280", "4", T0, T0.plusSeconds(60), T0.plusSeconds(3600), null, null, null, cost, null);
        JobEvent event = Poller.event(job, completed);
        assertThat(event).isEqualTo(new JobEvent.Generated(T0.plusSeconds(3600), cost));
        Decision generated = Transitions.decide(job, event, T0.plusSeconds(61));
        assertThat(generated.next().actualCostUsd()).isEqualTo(cost);
        // generated and storing are one transition: the state committed is storing
        JobState storing = generated.next();
        assertThat(storing.status()).isEqualTo(JobStatus.STORING);
        Decision stored = Transitions.decide(storing, new JobEvent.Stored(OBJECT, Map.of()), T0.plusSeconds(70));
        assertThat(stored.steps()).contains(Decision.Step.DELETE_VIDEO);
        assertThat(stored.videoId()).isEqualTo("video_1");
        return stored.next();
    }

    private static JobState generating() {
        VideoRequest request = new VideoRequest("job-1", "sora-2", "a cat", "720x1280", "4", null, null, null, null,
                null);
        return JobState.submitting(request, 0, new BigDecimal("0.40"), T0, T0, null)
                .submitted("video_1", T0.plusSeconds(1), T0.plus(Duration.ofMinutes(30)))
                .progressed(JobStatus.IN_PROGRESS, 50, T0.plusSeconds(30));
    }

    private static ProviderSettings provider(boolean deleteAfterStore) {
        return new ProviderSettings("openai", "http://provider.test", Dialects.named("openai"), "sk-FAKE-poll",
                "default", 1, 100, deleteAfterStore, Map.of(), List.of(), 0);
    }
}
