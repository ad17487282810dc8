package dev.videoworker.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.IsolatedTopics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Per-model deadlines: a job of a model with a short deadline that the provider does not finish in time ends
 * {@code failed/timeout} and its copy at the provider is deleted (as soon as the provider allows); a job of another
 * model with the same generation time is unaffected.
 */
@QuarkusTest
@TestProfile(DeadlineTest.ShortProDeadline.class)
class DeadlineTest extends WorkerTest {

    static final IsolatedTopics TOPICS = new IsolatedTopics("deadline-test");

    /** sora-2-pro jobs get 3 seconds; sora-2 keeps the default deadline. */
    public static class ShortProDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return TOPICS.config(Map.of("worker.models.sora-2-pro.deadline", "3s"));
        }
    }

    static JobsClient client;

    @BeforeAll
    static void connect() {
        client = TOPICS.client();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        client.close();
    }

    @Test
    void aJobPastItsModelsDeadlineFailsAndItsProviderCopyIsDeleted() throws Exception {
        String run = UUID.randomUUID().toString();
        String slowPro = "deadline-pro-" + run;
        String slowStandard = "deadline-std-" + run;
        String proPrompt = "A glacier calving [simulate:duration=PT6S] " + slowPro;
        client.send(slowPro, "{\"prompt\":\"" + proPrompt + "\",\"model\":\"sora-2-pro\"}");
        client.send(slowStandard, "{\"prompt\":\"A glacier calving [simulate:duration=PT6S] " + slowStandard
                + "\",\"model\":\"sora-2\"}");

        JsonNode timedOut = client.awaitCompletion(slowPro, Duration.ofSeconds(30));
        assertThat(timedOut.path("outcome").asText()).isEqualTo("failed");
        assertThat(timedOut.path("error").path("code").asText()).isEqualTo("timeout");
        assertThat(timedOut.path("error").path("message").asText()).contains("PT3S", "sora-2-pro");
        String videoId = timedOut.path("videoId").asText();
        assertThat(videoId).startsWith("video_");

        // The provider refuses to delete an unfinished video; the worker asks again until it is gone.
        await().atMost(Duration.ofSeconds(30)).until(() -> simulator().videos().stream()
                .noneMatch(v -> v.id().equals(videoId)));

        assertThat(client.awaitCompletion(slowStandard, Duration.ofSeconds(30)).path("outcome").asText())
                .isEqualTo("succeeded");
        assertThat(simulator().createCount(proPrompt)).isEqualTo(1);
    }
}
