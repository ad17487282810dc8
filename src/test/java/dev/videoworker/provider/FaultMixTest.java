package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.simulator.Endpoint;
import dev.videoworker.simulator.Fault;
import dev.videoworker.testing.IsolatedTopics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A provider that fails one call in five — 429 with Retry-After, 500, 503, connection resets, stalls longer than the
 * client's timeout, content that ends early or trickles — and 200 jobs: every one ends {@code succeeded}, and the
 * provider made exactly one video per job. The fault seed is printed and in every assertion message; repeat a run
 * with {@code -Dfaults.seed=N}.
 */
@QuarkusTest
@TestProfile(FaultMixTest.OneCallInFiveFails.class)
class FaultMixTest extends WorkerTest {

    static final IsolatedTopics TOPICS = new IsolatedTopics("fault-mix");
    static final int JOBS = 200;

    /** 20% of provider calls fail; timeouts and waits are short so that the run stays quick. */
    public static class OneCallInFiveFails implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String seed = System.getProperty("faults.seed", Long.toString(ThreadLocalRandom.current().nextLong(1L << 40)));
            System.setProperty("faults.seed", seed);
            System.out.println("FaultMixTest seed: " + seed + " (repeat with -Dfaults.seed=" + seed + ")");
            Map<String, String> config = new HashMap<>();
            config.put("simulator.faults.seed", seed);
            config.put("simulator.faults.rate-limit-rate", "0.04");
            config.put("simulator.faults.server-error-rate", "0.04");
            config.put("simulator.faults.unavailable-rate", "0.04");
            config.put("simulator.faults.reset-rate", "0.04");
            config.put("simulator.faults.stall-rate", "0.02");
            config.put("simulator.faults.stall-duration", "PT3S");
            config.put("simulator.faults.truncate-rate", "0.01");
            config.put("simulator.faults.slow-content-rate", "0.01");
            config.put("simulator.faults.slow-content-duration", "PT1S");
            config.put("simulator.faults.retry-after", "PT0.2S");
            // The client gives up on a stalled call after 2 s (the stall lasts 3 s).
            config.put("quarkus.rest-client.videos-api.read-timeout", "2000");
            config.put("quarkus.rest-client.videos-create-api.read-timeout", "2000");
            config.put("worker.provider.retry.max-attempts", "8");
            config.put("worker.jobs.max-submit-attempts", "8");
            config.put("worker.storage.retry-max-backoff", "1s");
            return TOPICS.config(config);
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
    void everyJobSucceedsWithOneVideoEachWhileOneProviderCallInFiveFails() throws Exception {
        String seed = "fault seed " + System.getProperty("faults.seed");
        String run = UUID.randomUUID().toString();
        Map<String, String> prompts = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            String id = "mix-" + i + "-" + run;
            String prompt = "A lantern festival, shot " + i + " " + run;
            ids.add(id);
            prompts.put(id, prompt);
            client.send(id, "{\"prompt\":\"" + prompt + "\"}");
        }

        for (String id : ids) {
            JsonNode done = client.awaitCompletion(id, Duration.ofSeconds(180));
            assertThat(done.path("outcome").asText()).as(seed + ": " + id + " " + done).isEqualTo("succeeded");
        }
        for (String id : ids) {
            assertThat(simulator().createCount(prompts.get(id))).as(seed + ": videos made for " + id).isEqualTo(1);
        }
        // The mix really happened, on every kind of call.
        for (Fault fault : List.of(Fault.RATE_LIMIT, Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.RESET, Fault.STALL)) {
            assertThat(simulator().faultCount(fault)).as(seed + ": " + fault + " injected").isPositive();
        }
        assertThat(simulator().faultCount(Endpoint.CREATE, Fault.SERVER_ERROR)
                + simulator().faultCount(Endpoint.CREATE, Fault.RESET)
                + simulator().faultCount(Endpoint.CREATE, Fault.RATE_LIMIT)).as(seed + ": faults on create")
                .isPositive();
        int calls = 0;
        int faults = 0;
        for (Endpoint e : Endpoint.values()) {
            calls += simulator().callCount(e);
        }
        for (Fault f : Fault.values()) {
            faults += simulator().faultCount(f);
        }
        assertThat((double) faults / calls).as(seed + ": share of failed calls").isBetween(0.12, 0.28);
    }
}
