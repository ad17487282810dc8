package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.simulator.VideoSimulator;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A create call whose answer is lost is reconciled through the provider's list, never retried blindly.
 */
@QuarkusTest
class SubmitAtMostOnceTest extends WorkerTest {

    @AfterEach
    void listAvailableAgain() {
        simulator().listUnavailable(false);
    }

    @Test
    void adoptsTheVideoWhenTheAnswerToTheCreateIsLost() throws Exception {
        String jobId = "lost-" + UUID.randomUUID();
        String prompt = "A kite over the dunes " + VideoSimulator.LOST_RESPONSE_MARKER + " " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        String adopted = simulator().videosMade().stream().filter(v -> prompt.equals(v.prompt())).findFirst()
                .orElseThrow().id();
        assertThat(completion.path("videoId").asText()).isEqualTo(adopted);
    }

    @Test
    void failsWithSubmissionUnknownWhenTheListCannotBeRead() throws Exception {
        simulator().listUnavailable(true);
        String jobId = "unknown-" + UUID.randomUUID();
        String prompt = "A tram in the rain " + VideoSimulator.LOST_RESPONSE_MARKER + " " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("failed");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("submission_unknown");
        assertThat(completion.path("error").path("message").asText()).contains("check the provider");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
    }

    @Test
    void submitsAgainOnlyWhenTheProviderCertainlyHasNoVideoAndGivesUpAfterTheLimit() throws Exception {
        String jobId = "no-video-" + UUID.randomUUID();
        String prompt = "A glass of water " + VideoSimulator.SERVER_ERROR_MARKER + " " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("failed");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("submission_failed");
        assertThat(completion.path("error").path("message").asText()).startsWith("3 create calls");
        assertThat(simulator().createCount(prompt)).isZero();
        assertThat(jobs.statuses(jobId)).containsExactly("accepted", "failed");
    }
}
