package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.simulator.EmbeddedSimulator;
import dev.videoworker.simulator.SimulatorRoutes;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The network loses the answer to a create after the provider made the job: a read timeout, a connection reset.
 * The worker finds the video in the provider's list and adopts it instead of paying again.
 */
@QuarkusTest
@QuarkusTestResource(WorkerTestResources.class)
@TestProfile(LostCreateAnswerTest.ShortReadTimeout.class)
class LostCreateAnswerTest {

    /** A read timeout the simulator's delayed answers exceed. */
    public static class ShortReadTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.rest-client.videos-api.read-timeout", "1500");
        }
    }

    static JobsClient jobs;

    @Inject
    EmbeddedSimulator embedded;

    @BeforeAll
    static void connect() {
        jobs = new JobsClient(WorkerTestResources.broker().bootstrapServers());
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        jobs.close();
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
        assertThat(embedded.simulator().createCount(prompt)).isEqualTo(1);
        String created = embedded.simulator().videos().stream().filter(v -> prompt.equals(v.prompt())).findFirst()
                .orElseThrow().id();
        assertThat(completion.path("videoId").asText()).isEqualTo(created);
        assertThat(jobs.statuses(jobId)).startsWith("accepted", "submitted").endsWith("stored")
                .containsOnlyOnce("accepted", "submitted", "stored");
    }
}
