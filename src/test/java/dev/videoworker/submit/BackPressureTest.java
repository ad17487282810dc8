package dev.videoworker.submit;

import static io.restassured.RestAssured.given;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobStore;
import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.request.RequestConsumer;
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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
    @Inject
    JobStore store;

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

    /**
     * A cancel forwarded by another replica (a record with the cancel header on the request topic) is decided at once,
     * even while the request consumer holds because every generation slot is taken: both for a job whose request waits
     * behind the one holding, and for the job whose request holds (which then stops waiting, so the consumer moves on to
     * the next new job). Neither is ever submitted; the rest goes on once slots free. Without the cancel scanner both cancels would wait for the 300-second jobs. Runs last: the provider
     * keeps generating the two cancelled 300-second videos (it deletes none before it is done), which the other tests
     * here would count as running.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aForwardedCancelIsDecidedWhileTheRequestConsumerWaitsForASlot() throws Exception {
        String run = UUID.randomUUID().toString();
        List<String> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String id = "bp-slow-" + i + "-" + run;
            slow.add(id);
            client.send(id, "{\"prompt\":\"A glacier, slowly [simulate:duration=PT300S] " + id + "\"}");
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> slow.stream()
                .allMatch(id -> store.find(id).map(s -> s.status().generating()).orElse(false)));
        String holding = "bp-holding-" + run;
        String holdingPrompt = "A bell tower never filmed " + holding;
        client.send(holding, "{\"prompt\":\"" + holdingPrompt + "\"}");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> slots.waiting() > 0);
        String behind = "bp-behind-" + run;
        String behindPrompt = "A harbour never filmed " + behind;
        client.send(behind, "{\"prompt\":\"" + behindPrompt + "\"}");
        String after = "bp-after-" + run;
        client.send(after, "{\"prompt\":\"A tram at dawn " + after + "\"}");
        Map<String, String> cancel = Map.of(RequestConsumer.CANCEL_HEADER, "true");
        client.send(behind, "{\"cancel\":true}", cancel);
        client.send(holding, "{\"cancel\":true}", cancel);

        await("both cancels decided while the slots are taken").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50)).until(() -> List.of(behind, holding).stream()
                        .allMatch(id -> store.find(id).map(s -> s.status() == JobStatus.CANCELLED).orElse(false)));
        // The cancelled job's request gave up its wait: the consumer moved past both cancelled jobs and now waits
        // for a slot for the next new job, while the slots are still taken.
        await("the request consumer waiting for the job after the cancelled ones").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50)).until(() -> !slots.isWaiting(holding) && slots.isWaiting(after));
        assertThat(slow).allMatch(id -> store.find(id).orElseThrow().status().generating());

        for (String id : slow) {
            given().delete("/jobs/" + id).then().statusCode(200);
        }
        assertThat(client.awaitCompletion(after).path("outcome").asText()).isEqualTo("succeeded");
        for (String id : List.of(behind, holding)) {
            assertThat(client.awaitCompletion(id).path("outcome").asText()).as(id).isEqualTo("cancelled");
            assertThat(client.records(TOPICS.prefix() + ".completed", id)).as("completions of %s", id).hasSize(1);
        }
        assertThat(simulator().createCount(holdingPrompt)).isZero();
        assertThat(simulator().createCount(behindPrompt)).isZero();
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
