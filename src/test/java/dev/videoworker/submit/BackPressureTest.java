package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.IsolatedTopics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Back-pressure through the running worker: never more than {@code max-in-flight} jobs at the provider, the rest
 * waiting in Kafka rather than rejected; and a provider cap on running tasks ({@code 429}) lowers the limit while every
 * job is still created exactly once.
 */
@QuarkusTest
@TestProfile(BackPressureTest.TwoInFlight.class)
class BackPressureTest extends WorkerTest {

    static final IsolatedTopics TOPICS = new IsolatedTopics("backpressure-test");

    /** Two jobs in flight per replica; a short cooldown after the provider's 429. */
    public static class TwoInFlight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return TOPICS.config(Map.of("worker.jobs.max-in-flight", "2", "worker.jobs.concurrency-cooldown", "5s"));
        }
    }

    static JobsClient client;

    @Inject
    GenerationSlots slots;

    @BeforeAll
    static void connect() {
        client = TOPICS.client();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        client.close();
    }

    @AfterEach
    void uncapSimulator() {
        simulator().maxRunning(Integer.MAX_VALUE);
    }

    @Test
    void keepsAtMostMaxInFlightJobsAtTheProviderAndLetsTheRestWait() throws Exception {
        simulator().trackPeakRunning();
        int createsBefore = simulator().createCount();
        List<String> ids = send(6, "A paper boat on a pond");

        await().atMost(Duration.ofSeconds(30)).until(() -> slots.waiting() > 0);
        for (String id : ids) {
            assertThat(client.awaitCompletion(id).path("outcome").asText()).as(id).isEqualTo("succeeded");
        }

        assertThat(simulator().peakRunning()).as("jobs running at the provider at once").isBetween(1, 2);
        assertThat(simulator().createCount() - createsBefore).isEqualTo(6);
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void aProviderCapOnRunningTasksLowersTheLimitAndEachJobIsCreatedOnce() throws Exception {
        simulator().maxRunning(1);
        int createsBefore = simulator().createCount();
        int refusedBefore = simulator().rejectedTooMany();
        List<String> ids = send(3, "A kite over a hill");

        await().atMost(Duration.ofSeconds(30)).until(() -> slots.limit() == 1);
        for (String id : ids) {
            assertThat(client.awaitCompletion(id).path("outcome").asText()).as(id).isEqualTo("succeeded");
        }

        assertThat(simulator().rejectedTooMany() - refusedBefore).as("create calls refused with 429").isPositive();
        assertThat(simulator().createCount() - createsBefore).as("videos created").isEqualTo(3);
    }

    private static List<String> send(int count, String prompt) throws Exception {
        String run = UUID.randomUUID().toString();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = "bp-" + i + "-" + run;
            ids.add(id);
            client.send(id, "{\"prompt\":\"" + prompt + " " + id + "\"}");
        }
        return ids;
    }
}
