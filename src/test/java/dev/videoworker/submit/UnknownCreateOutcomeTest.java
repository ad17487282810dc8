package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.simulator.Fault;
import dev.videoworker.simulator.FaultSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Unknown create outcomes against the worst providers (issue 12, case 1): the video is made but the answer is lost (a
 * gateway's 504, a connection reset, a create held past the client's read timeout), while the provider's list shows
 * new videos only seconds later, or leaves their prompt out. 100 jobs each: every job succeeds once and is created
 * exactly once; the worker keeps searching the list instead of creating again.
 */
@QuarkusTest
@TestProfile(UnknownCreateOutcomeTest.SlowListProvider.class)
class UnknownCreateOutcomeTest extends WorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int JOBS = 100;
    /** Longer than the 1.5 s read timeout of the create client: the worker gives up on the answer. */
    private static final Duration CREATE_STALL = Duration.ofSeconds(3);
    private static final Duration LIST_LAG = Duration.ofSeconds(5);

    /** A create read timeout the stalled answers exceed, and a reconcile window well past the list's lag. */
    public static class SlowListProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.rest-client.videos-api.read-timeout", "1500",
                    "quarkus.rest-client.videos-create-api.read-timeout", "1500",
                    "worker.jobs.reconcile-window", "45s");
        }
    }

    @AfterEach
    void honestProviderAgain() {
        simulator().faults(FaultSettings.none());
    }

    @Test
    void everyCreateAnsweredWith504WhileTheListLagsIsMadeOnce() throws Exception {
        simulator().faults(FaultSettings.none().withRate(Fault.CREATE_LOST_504, 1.0).withListLag(LIST_LAG));
        assertEachCreatedOnceAndSucceeded("lost504");
    }

    @Test
    void everyCreateCutOffByAResetWhileTheListLagsIsMadeOnce() throws Exception {
        simulator().faults(FaultSettings.none().withRate(Fault.CREATE_RESET, 1.0).withListLag(LIST_LAG));
        assertEachCreatedOnceAndSucceeded("reset");
    }

    @Test
    void createsHeldPastTheReadTimeoutWhileTheListLagsAreMadeOnce() throws Exception {
        simulator().faults(FaultSettings.none().withRate(Fault.CREATE_STALL, 1.0)
                .withCreateStallDuration(CREATE_STALL).withListLag(LIST_LAG));
        assertEachCreatedOnceAndSucceeded("stall");
    }

    @Test
    void lostAnswersAreMatchedWhenTheListLeavesThePromptOut() throws Exception {
        simulator().faults(FaultSettings.none().withRate(Fault.CREATE_LOST_504, 1.0).withListLag(LIST_LAG)
                .withListOmitsPrompt(true));
        assertEachCreatedOnceAndSucceeded("no-prompt");
    }

    private void assertEachCreatedOnceAndSucceeded(String mode) throws Exception {
        String run = mode + "-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            String jobId = run + "-" + i;
            ids.add(jobId);
            jobs.send(jobId, "{\"prompt\":\"" + prompt(jobId) + "\"}");
        }
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                .until(() -> ids.stream().allMatch(id -> !jobs.records(JobsClient.COMPLETED, id).isEmpty()));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> ids.stream().allMatch(id -> jobs.records(JobsClient.COMPLETED, id).size() == 1));
        for (String id : ids) {
            JsonNode completion = JSON.readTree(jobs.records(JobsClient.COMPLETED, id).get(0).value());
            assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
            assertThat(simulator().createCount(prompt(id))).as("creates of %s", id).isEqualTo(1);
            String made = simulator().videosMade().stream().filter(v -> prompt(id).equals(v.prompt())).findFirst()
                    .orElseThrow().id();
            assertThat(completion.path("videoId").asText()).as("the video adopted by %s", id).isEqualTo(made);
        }
    }

    private static String prompt(String jobId) {
        return "A heron standing in a misty reed bed, " + jobId;
    }
}
