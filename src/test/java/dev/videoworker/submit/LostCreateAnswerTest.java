package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.simulator.SimulatorRoutes;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The network loses the answer to a create after the provider made the job: a read timeout, a connection reset.
 * The worker finds the video in the provider's list and adopts it instead of paying again.
 */
@QuarkusTest
@TestProfile(LostCreateAnswerTest.ShortReadTimeout.class)
class LostCreateAnswerTest extends WorkerTest {

    /** A read timeout the simulator's delayed answers exceed. */
    public static class ShortReadTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.rest-client.videos-api.read-timeout", "1500",
                    "quarkus.rest-client.videos-create-api.read-timeout", "1500");
        }
    }

    @Test
    void adoptsTheVideoWhenTheCreateCallTimesOut() throws Exception {
        assertAdopted("timeout-" + UUID.randomUUID(), "[simulate:create-delay=PT4S]");
    }

    @Test
    void adoptsTheVideoWhenTheConnectionIsResetAfterTheBodyWasSent() throws Exception {
        assertAdopted("reset-" + UUID.randomUUID(), SimulatorRoutes.CREATE_RESET_MARKER);
    }

    private void assertAdopted(String jobId, String marker) throws Exception {
        String prompt = "A harbour at night " + marker + " " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        String created = simulator().videosMade().stream().filter(v -> prompt.equals(v.prompt())).findFirst()
                .orElseThrow().id();
        assertThat(completion.path("videoId").asText()).isEqualTo(created);
        assertThat(jobs.statuses(jobId)).startsWith("accepted", "submitted").endsWith("stored")
                .containsOnlyOnce("accepted", "submitted", "stored");
    }
}
