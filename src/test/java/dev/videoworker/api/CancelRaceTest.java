package dev.videoworker.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.pipeline.WorkerTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Cancels racing the jobs they cancel (issue 12, case 2): a request enqueued through the HTTP API and cancelled 0-100
 * ms later, and cancels at random moments of generation and storing. Every job completes exactly once, a cancel that
 * was answered 200 ends its job {@code cancelled}, and every video the provider made belongs to a job that succeeded
 * or was deleted at the provider after its job was cancelled.
 */
@QuarkusTest
class CancelRaceTest extends WorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(CancelRaceTest.class);

    /** One job of the run: its prompt, and how its cancel was answered. */
    private record Pair(String jobId, String prompt, CompletableFuture<Integer> cancelStatus) {
    }

    @Test
    void everyJobCompletesOnceWhenCancelsRaceRequestsGenerationAndStoring() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(16);
        List<Pair> pairs = new ArrayList<>();
        try {
            // 300 enqueue + cancel pairs, the cancel 0-100 ms after the request was accepted.
            for (int i = 0; i < 300; i++) {
                pairs.add(enqueueThenCancel(scheduler, "race-" + run + "-" + i, 0, 100));
            }
            // 30 more cancelled at random moments of generation (3 s here) and storing.
            for (int i = 0; i < 30; i++) {
                pairs.add(enqueueThenCancel(scheduler, "late-" + run + "-" + i, 500, 4_500));
            }
            CompletableFuture.allOf(pairs.stream().map(Pair::cancelStatus).toArray(CompletableFuture[]::new))
                    .get(4, TimeUnit.MINUTES);
        } finally {
            scheduler.shutdownNow();
        }

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> pairs.stream().allMatch(p -> !jobs.records(JobsClient.COMPLETED, p.jobId()).isEmpty()));
        // Watched a while longer: a second completion would come from a chain that outlived the cancel.
        await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1))
                .until(() -> pairs.stream().allMatch(p -> jobs.records(JobsClient.COMPLETED, p.jobId()).size() == 1));

        Map<String, Integer> outcomes = new HashMap<>();
        int succeeded = 0;
        int cancelledAfterCreate = 0;
        for (Pair p : pairs) {
            List<TopicRecorder.Seen> completions = jobs.records(JobsClient.COMPLETED, p.jobId());
            assertThat(completions).as(p.jobId()).hasSize(1);
            JsonNode completion = JSON.readTree(completions.get(0).value());
            String outcome = completion.path("outcome").asText();
            outcomes.merge(outcome, 1, Integer::sum);
            int status = p.cancelStatus().get();
            assertThat(status).as("DELETE of %s", p.jobId()).isIn(200, 409);
            if (status == 200) {
                assertThat(outcome).as(completion.toString()).isEqualTo("cancelled");
            } else {
                assertThat(outcome).as(completion.toString()).isNotEqualTo("cancelled");
            }
            int creates = simulator().createCount(p.prompt());
            assertThat(creates).as("creates for %s", p.jobId()).isLessThanOrEqualTo(1);
            if (outcome.equals("succeeded")) {
                assertThat(creates).isEqualTo(1);
                succeeded++;
            } else if (creates == 1) {
                cancelledAfterCreate++;
            }
        }
        // A video made for a job that was cancelled meanwhile is deleted at the provider, never kept or stored.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(simulator().videos().stream()
                .filter(v -> v.prompt() != null && v.prompt().contains(run))
                .filter(v -> pairs.stream().noneMatch(p -> p.prompt().equals(v.prompt()) && succeededJob(p))))
                .isEmpty());
        int made = pairs.stream().mapToInt(p -> simulator().createCount(p.prompt())).sum();
        assertThat(made).isEqualTo(succeeded + cancelledAfterCreate);
        LOG.infof("cancel race: outcomes %s, %d videos made, %d of them for jobs cancelled meanwhile (deleted)",
                outcomes, made, cancelledAfterCreate);
        assertThat(outcomes).as("outcomes %s", outcomes).containsKey("cancelled");
    }

    private static boolean succeededJob(Pair p) {
        try {
            return JSON.readTree(jobs.records(JobsClient.COMPLETED, p.jobId()).get(0).value()).path("outcome")
                    .asText().equals("succeeded");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Enqueues the job (from the scheduler's threads, several at once), then cancels it after a random delay. */
    private Pair enqueueThenCancel(ScheduledExecutorService scheduler, String jobId, int minDelayMs,
            int maxDelayMs) {
        String prompt = "A paper boat on a canal " + jobId;
        CompletableFuture<Integer> status = new CompletableFuture<>();
        long delay = ThreadLocalRandom.current().nextLong(minDelayMs, maxDelayMs + 1L);
        scheduler.execute(() -> {
            try {
                given().contentType(ContentType.JSON).body("{\"jobId\":\"" + jobId + "\",\"prompt\":\"" + prompt
                        + "\"}").post("/jobs").then().statusCode(202);
                scheduler.schedule(() -> {
                    try {
                        status.complete(given().delete("/jobs/" + jobId).then().extract().statusCode());
                    } catch (RuntimeException | AssertionError e) {
                        status.completeExceptionally(e);
                    }
                }, delay, TimeUnit.MILLISECONDS);
            } catch (RuntimeException | AssertionError e) {
                status.completeExceptionally(e);
            }
        });
        return new Pair(jobId, prompt, status);
    }
}
