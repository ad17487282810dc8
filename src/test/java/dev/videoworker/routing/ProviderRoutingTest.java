package dev.videoworker.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.job.Route;
import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.provider.ProviderException;
import dev.videoworker.provider.Providers;
import dev.videoworker.simulator.SimulatorRoutes;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Three providers configured at once (all served by the embedded simulator, told apart by their keys and catalogs):
 * routing by model, failover after a definite refusal, and none after an unknown outcome.
 */
@QuarkusTest
@TestProfile(ProviderRoutingTest.ThreeProviders.class)
class ProviderRoutingTest extends WorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Providers providers;

    /**
     * {@code refusing}: first for sora-2, but its key is refused (401: nothing made). {@code alt}: first for
     * sora-2-pro, a working key. {@code openai} (the default provider): both models, tried after them.
     */
    public static class ThreeProviders implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("worker.providers.refusing.base-url", "${worker.provider.base-url}"),
                    Map.entry("worker.providers.refusing.api-key", "sk-FAKE-refused-0000"),
                    Map.entry("worker.providers.refusing.key-name", "refusing-key"),
                    Map.entry("worker.providers.refusing.priority", "10"),
                    Map.entry("worker.providers.refusing.models.sora-2.sizes", "720x1280,1280x720"),
                    Map.entry("worker.providers.refusing.models.sora-2.seconds", "4,8,12"),
                    Map.entry("worker.providers.refusing.models.sora-2.price-per-second", "0.10"),
                    Map.entry("worker.providers.alt.base-url", "${worker.provider.base-url}"),
                    Map.entry("worker.providers.alt.api-key", "${worker.provider.api-key}"),
                    Map.entry("worker.providers.alt.priority", "10"),
                    Map.entry("worker.providers.alt.models.sora-2-pro.sizes", "720x1280,1280x720"),
                    Map.entry("worker.providers.alt.models.sora-2-pro.seconds", "4,8,12"),
                    Map.entry("worker.providers.alt.models.sora-2-pro.price-per-second", "0.30"),
                    Map.entry("worker.providers.alt.models.sora-1.provider-model", "sora-2"),
                    Map.entry("worker.providers.alt.models.sora-1.sizes", "1280x720"),
                    Map.entry("worker.providers.alt.models.sora-1.seconds", "4"),
                    Map.entry("worker.providers.alt.models.sora-1.price-per-second", "0.05"),
                    Map.entry("worker.providers.alt.models.sora-1.retires-on", "2026-06-30"));
        }
    }

    private List<JsonNode> statusEvents(String jobId) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (TopicRecorder.Seen seen : jobs.records("video.status", jobId)) {
            events.add(JSON.readTree(seen.value()));
        }
        return events;
    }

    @Test
    void aDefiniteRefusalMovesTheJobToTheNextProviderOfItsModelAndSaysSo() throws Exception {
        String jobId = "failover-" + UUID.randomUUID();
        String prompt = "A lighthouse in fog " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        assertThat(simulator().createCount(prompt)).as("the refused key made nothing").isEqualTo(1);

        List<JsonNode> events = statusEvents(jobId);
        assertThat(events).extracting(e -> e.path("status").asText())
                .startsWith("accepted", "accepted", "submitted").endsWith("stored");
        assertThat(events.get(0).path("provider").asText()).isEqualTo("refusing");
        JsonNode failover = events.get(1);
        assertThat(failover.path("provider").asText()).isEqualTo("openai");
        assertThat(failover.path("notice").asText()).contains("Provider refusing could not make the job (HTTP 401",
                "Moved to provider openai").doesNotContain("sk-FAKE");
        assertThat(events.subList(2, events.size())).extracting(e -> e.path("provider").asText())
                .as("every later event: the pinned route").containsOnly("openai");
    }

    @Test
    void aModelGoesToTheProviderThatOffersItFirstAndAnUnknownCreateOutcomeIsReconciledThereNeverFailedOver()
            throws Exception {
        String jobId = "no-failover-" + UUID.randomUUID();
        String prompt = "A ferry at dawn " + SimulatorRoutes.CREATE_RESET_MARKER + " " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2-pro\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        assertThat(simulator().createCount(prompt)).as("reconciled, not sent again anywhere").isEqualTo(1);
        List<JsonNode> events = statusEvents(jobId);
        assertThat(events).extracting(e -> e.path("status").asText()).containsOnlyOnce("accepted");
        assertThat(events).extracting(e -> e.path("provider").asText()).containsOnly("alt");
        assertThat(events).allSatisfy(e -> assertThat(e.has("notice")).isFalse());
    }

    @Test
    void everyCallOfAJobGoesToItsPinnedProviderAndAProviderNotConfiguredHereIsNamed() {
        assertThat(providers.forRoute(new Route("alt", "sora-2-pro", "default")).provider()).isEqualTo("alt");
        assertThat(providers.forRoute(null).provider()).as("a job written before routes").isEqualTo("openai");
        assertThatThrownBy(() -> providers.forRoute(new Route("gone", "sora-2", "default")))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("pinned to provider 'gone', which is not configured on this replica")
                .hasMessageContaining("alt, openai, refusing");
    }

    @Test
    void aRetiredModelIsRejectedBeforeAnyCallNamingTheDateAndTheAlternatives() throws Exception {
        String jobId = "retired-" + UUID.randomUUID();
        String prompt = "An old film " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-1\",\"size\":\"1280x720\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("rejected");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("model_retired");
        assertThat(completion.path("error").path("message").asText())
                .contains("'sora-1' was retired on 2026-06-30", "Configured alternatives: sora-2, sora-2-pro");
        assertThat(simulator().createCount(prompt)).isZero();
    }

    @Test
    void aRequestNamingAnUnknownProviderIsRejectedBeforeAnyCall() throws Exception {
        String jobId = "unknown-provider-" + UUID.randomUUID();
        String prompt = "A kite " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\",\"provider\":\"runway\"}");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("rejected");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("unknown_provider");
        assertThat(completion.path("error").path("message").asText()).contains("alt", "openai", "refusing");
        assertThat(simulator().createCount(prompt)).isZero();
    }
}
