package dev.videoworker.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobStore;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.request.JobOwnership;
import dev.videoworker.request.RequestConsumer;
import dev.videoworker.simulator.Endpoint;
import dev.videoworker.simulator.Fault;
import dev.videoworker.simulator.SimulatorRoutes;
import dev.videoworker.simulator.VideoSimulator;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.common.annotation.Identifier;

/**
 * The HTTP API against the running worker: enqueue (validated like the topic), look, list, cancel; and its OpenAPI
 * document.
 */
@QuarkusTest
class JobsApiTest extends WorkerTest {

    @Inject
    @Identifier(JobOwnership.NAME)
    JobOwnership ownership;
    @Inject
    JobStore store;
    @Inject
    WorkerConfig config;

    /**
     * A cancel forwarded by a replica that does not own the job (a record keyed by the job id with the cancel header
     * on the request topic) is decided by the owner as its own cancel: before arrival (the request that follows is
     * never submitted) and while generating (one cancelled completion); the record itself is no request.
     */
    @Test
    void aCancelRecordOnTheRequestTopicIsDecidedByTheJobsOwner() throws Exception {
        Map<String, String> cancel = Map.of(RequestConsumer.CANCEL_HEADER, "true");
        String early = "api-forwarded-early-" + UUID.randomUUID();
        jobs.send(early, "{\"cancel\":true}", cancel);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> store.find(early).map(s -> s.status() == JobStatus.CANCELLED).orElse(false));
        given().get("/jobs/" + early).then().statusCode(200).body("status", equalTo("cancelled"))
                .body("servedFrom", equalTo("owner"));
        String earlyPrompt = "A harbour never filmed " + early;
        jobs.send(early, "{\"prompt\":\"" + earlyPrompt + "\"}");
        assertThat(jobs.awaitCompletion(early).path("outcome").asText()).isEqualTo("cancelled");
        assertThat(simulator().createCount(earlyPrompt)).isZero();

        String generating = "api-forwarded-generating-" + UUID.randomUUID();
        String prompt = "A glacier calving, slowly [simulate:duration=PT300S] " + generating;
        jobs.send(generating, "{\"prompt\":\"" + prompt + "\"}");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> store.find(generating).map(s -> s.status().generating()).orElse(false));
        jobs.send(generating, "{\"cancel\":true}", cancel);
        JsonNode completion = jobs.awaitCompletion(generating);
        assertThat(completion.path("outcome").asText()).isEqualTo("cancelled");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        assertThat(jobs.records("video.completed", generating)).hasSize(1);
        assertThat(jobs.records("video.requests.dlq", generating)).isEmpty();
    }

    @Test
    void enqueuesAValidRequestThatIsThenStoredAndShown() throws Exception {
        String jobId = "api-ok-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body("{\"jobId\":\"" + jobId + "\",\"prompt\":\"A tram at dawn "
                + jobId + "\"}")
                .post("/jobs").then().statusCode(202).body("jobId", equalTo(jobId)).body("status", equalTo("accepted"))
                .body("href", equalTo("/jobs/" + jobId));

        assertThat(jobs.awaitCompletion(jobId).path("outcome").asText()).isEqualTo("succeeded");
        given().get("/jobs/" + jobId).then().statusCode(200).body("status", equalTo("stored"))
                .body("video.uri", startsWith("s3://videos/")).body("costUsd", equalTo(0.4f));
        given().queryParam("status", "stored").get("/jobs").then().statusCode(200).body("jobId", hasItem(jobId));
        given().contentType(ContentType.JSON).body("{\"jobId\":\"" + jobId + "\",\"prompt\":\"again\"}")
                .post("/jobs").then().statusCode(409).body("status", equalTo("stored"));
        given().delete("/jobs/" + jobId).then().statusCode(409).body("error.code", equalTo("job_ended"));
    }

    @Test
    void givesAJobIdWhenTheBodyHasNone() throws Exception {
        String jobId = given().contentType(ContentType.JSON).body("{\"prompt\":\"A quiet harbour " + UUID.randomUUID()
                + "\"}").post("/jobs").then().statusCode(202).extract().path("jobId");
        assertThat(jobId).startsWith("job-");
        assertThat(jobs.awaitCompletion(jobId).path("outcome").asText()).isEqualTo("succeeded");
    }

    @Test
    void rejectsAnInvalidRequestLikeTheTopicWithoutEnqueuingIt() {
        int creates = simulator().createCount();
        given().contentType(ContentType.JSON).body("{\"prompt\":\"x\",\"model\":\"sora-9\"}").post("/jobs")
                .then().statusCode(400).body("status", equalTo("rejected"))
                .body("error.code", equalTo("unknown_model")).body("error.field", equalTo("model"));
        given().contentType(ContentType.JSON).body("{\"prompt\":\"x\",\"seconds\":10}").post("/jobs")
                .then().statusCode(400).body("error.code", equalTo("legacy_seconds"));
        given().contentType(ContentType.JSON).body("not json").post("/jobs")
                .then().statusCode(400).body("error.code", equalTo("invalid_json"));
        given().contentType(ContentType.JSON).body(new byte[] {'{', '"', 'p', '"', ':', '"', (byte) 0xC0, (byte) 0xAF,
                '"', '}'}).post("/jobs").then().statusCode(400).body("error.code", equalTo("invalid_json"));
        given().contentType(ContentType.JSON).body("{\"prompt\":\"x\",\"jobId\":\"a\\u202Eb\"}").post("/jobs")
                .then().statusCode(400).body("error.code", equalTo("invalid_job_id"))
                .body("error.message", containsString("U+202E"));
        given().contentType(ContentType.JSON).body("{\"prompt\":\"x\",\"output\":{\"bucket\":\"videos.evil.com\"}}")
                .post("/jobs").then().statusCode(400).body("error.code", equalTo("output_bucket_not_allowed"));
        assertThat(simulator().createCount()).isEqualTo(creates);
        given().get("/jobs/no-such-job-" + UUID.randomUUID()).then().statusCode(404)
                .body("error.code", equalTo("job_not_found"));
    }

    @Test
    void cancelsAGeneratingJobAndDeletesTheProvidersCopy() throws Exception {
        String jobId = "api-cancel-" + UUID.randomUUID();
        jobs.send(jobId, "{\"prompt\":\"A very slow glacier [simulate:duration=PT6S] " + jobId + "\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> jobs.statuses(jobId).contains("in_progress"));

        String videoId = given().delete("/jobs/" + jobId).then().statusCode(200).body("status", equalTo("cancelled"))
                .extract().path("videoId");

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(30)).until(() -> simulator().videos().stream()
                .noneMatch(v -> v.id().equals(videoId)));
        assertThat(jobs.records("video.completed", jobId)).hasSize(1);
    }

    @Test
    void aJobCancelledBeforeItsRequestArrivesIsNeverSubmitted() throws Exception {
        String jobId = "api-early-" + UUID.randomUUID();
        String prompt = "A lighthouse keeper " + jobId;
        given().delete("/jobs/" + jobId).then().statusCode(200).body("status", equalTo("cancelled"));

        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\"}");

        assertThat(jobs.awaitCompletion(jobId).path("outcome").asText()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.statuses(jobId).size() >= 2);
        assertThat(simulator().createCount(prompt)).isZero();
        assertThat(jobs.records("video.completed", jobId)).hasSize(1);
    }

    @Test
    void aJobCancelledWhileItsCreateOutcomeIsUnknownHasTheVideoMadeForItDeleted() throws Exception {
        String jobId = "api-unknown-" + UUID.randomUUID();
        // The video is made but its answer is a gateway's 504, and the list shows it only 2 s later.
        String prompt = "A snail crossing a leaf " + SimulatorRoutes.CREATE_LOST_504_MARKER + " "
                + VideoSimulator.listLagMarker(Duration.ofSeconds(2)) + " " + jobId;
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\"}");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> simulator().createCount(prompt) == 1);
        String videoId = simulator().videos().stream().filter(v -> prompt.equals(v.prompt())).findFirst()
                .orElseThrow().id();

        // Still `submitting`: the worker is searching a list that does not show the video yet.
        given().delete("/jobs/" + jobId).then().statusCode(200).body("status", equalTo("cancelled"));

        JsonNode completion = jobs.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("cancelled");
        assertThat(completion.path("error").path("message").asText()).contains("being submitted");
        await().atMost(Duration.ofSeconds(30)).until(() -> simulator().videos().stream()
                .noneMatch(v -> v.id().equals(videoId)));
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        assertThat(jobs.records("video.completed", jobId)).hasSize(1);
    }

    @Test
    void aReplicaTakingOverAJobCancelledDuringItsCreateCallDeletesTheVideoMadeForIt() throws Exception {
        String jobId = "api-takeover-" + UUID.randomUUID();
        // The provider makes the video at once but answers the create only after 20 s.
        String prompt = "A heron waiting [simulate:create-delay=PT20S] " + jobId;
        simulator().failNext(Endpoint.CREATE, prompt, Fault.CREATE_STALL, 1);
        jobs.send(jobId, "{\"prompt\":\"" + prompt + "\"}");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> simulator().createCount(prompt) == 1);
        String videoId = simulator().videos().stream().filter(v -> prompt.equals(v.prompt())).findFirst()
                .orElseThrow().id();
        given().delete("/jobs/" + jobId).then().statusCode(200).body("status", equalTo("cancelled"));

        // The partition is given up while the create call still waits for its answer, and taken over again under a
        // new epoch, as a new owner would take it: the new owner knows only the cancelled state, and must search the
        // provider's list for what the create made (the old call hears its answer only after the await below).
        int partition = store.find(jobId).orElseThrow().partition();
        List<TopicPartition> held = List.of(new TopicPartition(config.topics().requests(), partition));
        ownership.onPartitionsRevoked(null, held);
        ownership.onPartitionsAssigned(null, held);

        await().atMost(Duration.ofSeconds(15)).until(() -> simulator().videos().stream()
                .noneMatch(v -> v.id().equals(videoId)));
        await().atMost(Duration.ofSeconds(5)).until(() -> videoId.equals(store.find(jobId).orElseThrow().videoId()));
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        assertThat(jobs.awaitCompletion(jobId).path("outcome").asText()).isEqualTo("cancelled");
        assertThat(jobs.records("video.completed", jobId)).hasSize(1);
    }

    /**
     * {@code GET /jobs} a page at a time: every matching job exactly once across the pages, newest first, the total in
     * {@code X-Total-Count}, the next page in {@code X-Next-Cursor} and {@code Link}; filters by text and provider; a
     * cursor it did not give is a 400.
     */
    @Test
    void listsJobsAPageAtATimeWithTextAndProviderFilters() throws Exception {
        String run = "paging-" + UUID.randomUUID();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String jobId = "api-page-" + i + "-" + UUID.randomUUID();
            ids.add(jobId);
            jobs.send(jobId, "{\"prompt\":\"A lighthouse, take " + i + ", " + run.toUpperCase() + "\"}");
        }
        for (String jobId : ids) {
            assertThat(jobs.awaitCompletion(jobId).path("outcome").asText()).isEqualTo("succeeded");
        }
        List<String> seen = new java.util.ArrayList<>();
        List<String> times = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = given().queryParam("q", run).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            var answer = request.get("/jobs").then().statusCode(200).header("X-Total-Count", "5").extract();
            List<String> page = answer.path("jobId");
            assertThat(page).hasSizeBetween(1, 2);
            seen.addAll(page);
            times.addAll(answer.path("updatedAt"));
            cursor = answer.header("X-Next-Cursor");
            if (cursor != null) {
                assertThat(answer.header("Link")).contains("cursor=" + cursor).endsWith("; rel=\"next\"");
            }
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
        List<java.time.Instant> instants = times.stream().map(java.time.Instant::parse).toList();
        assertThat(instants).isSortedAccordingTo(java.util.Comparator.reverseOrder());

        String provider = given().get("/jobs/" + ids.get(0)).then().statusCode(200).extract().path("provider");
        assertThat(provider).isNotBlank();
        given().queryParam("q", run).queryParam("provider", provider).queryParam("status", "stored")
                .queryParam("limit", 500).get("/jobs").then().statusCode(200).header("X-Total-Count", "5")
                .header("X-Next-Cursor", org.hamcrest.Matchers.nullValue());
        given().queryParam("q", run).queryParam("provider", "no-such-provider").get("/jobs").then().statusCode(200)
                .header("X-Total-Count", "0").body("size()", equalTo(0));
        given().queryParam("q", ids.get(3).toUpperCase()).get("/jobs").then().statusCode(200)
                .body("jobId", org.hamcrest.Matchers.contains(ids.get(3)));
        given().queryParam("cursor", "not-a-cursor!").get("/jobs").then().statusCode(400)
                .body("error.code", equalTo("invalid_cursor"));
    }

    /**
     * {@code GET /fleet}: jobs by status, what ended in the last hour, spend today against the budget, and this
     * replica as the one member of the group owning every partition, with its backlog.
     */
    @Test
    void describesTheFleet() throws Exception {
        String run = UUID.randomUUID().toString();
        String ok = "api-fleet-ok-" + run;
        jobs.send(ok, "{\"prompt\":\"A windmill turning " + run + "\"}");
        String bad = "api-fleet-bad-" + run;
        jobs.send(bad, "{\"prompt\":\"x\",\"model\":\"sora-9\"}");
        assertThat(jobs.awaitCompletion(ok).path("outcome").asText()).isEqualTo("succeeded");
        assertThat(jobs.awaitCompletion(bad).path("outcome").asText()).isEqualTo("rejected");

        JsonNode fleet = json(given().get("/fleet").then().statusCode(200).extract().asString());
        JsonNode byStatus = fleet.path("jobs").path("byStatus");
        int sum = 0;
        for (JsonNode count : byStatus) {
            sum += count.asInt();
        }
        assertThat(sum).isEqualTo(fleet.path("jobs").path("total").asInt()).isPositive();
        assertThat(byStatus.path("stored").asInt()).isPositive();
        assertThat(byStatus.path("rejected").asInt()).isPositive();
        assertThat(byStatus.has("in_progress")).isTrue();

        JsonNode hour = fleet.path("lastHour");
        assertThat(hour.path("stored").size()).isEqualTo(60);
        assertThat(hour.path("bucketSeconds").asInt()).isEqualTo(60);
        // Both jobs just ended: in the newest minute, or the one before if the minute turned meanwhile.
        int n = hour.path("stored").size();
        assertThat(hour.path("stored").get(n - 1).asInt() + hour.path("stored").get(n - 2).asInt()).isPositive();
        assertThat(hour.path("rejected").get(n - 1).asInt() + hour.path("rejected").get(n - 2).asInt()).isPositive();

        JsonNode spend = fleet.path("spend");
        assertThat(spend.path("day").asText()).isEqualTo(java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
        assertThat(spend.path("todayUsd").decimalValue()).isGreaterThanOrEqualTo(new java.math.BigDecimal("0.4"));
        // The test's budget window is a day or more: it covers all of today.
        assertThat(config.budget().window()).isGreaterThanOrEqualTo(java.time.Duration.ofHours(24));
        assertThat(spend.path("windowUsd").decimalValue()).isGreaterThanOrEqualTo(spend.path("todayUsd")
                .decimalValue());
        assertThat(spend.has("limitUsd")).isTrue();
        assertThat(spend.path("window").asText()).isEqualTo(config.budget().window().toString());

        JsonNode replicas = fleet.path("replicas");
        assertThat(replicas.size()).as("members of the group: %s", fleet).isEqualTo(1);
        JsonNode self = replicas.get(0);
        assertThat(self.path("self").asBoolean()).isTrue();
        assertThat(self.path("id").asText()).isEqualTo(fleet.path("replica").asText());
        assertThat(self.path("partitions").size()).isEqualTo(fleet.path("partitions").asInt()).isPositive();
        for (JsonNode partition : self.path("partitions")) {
            assertThat(partition.path("backlog").asLong(-1)).isGreaterThanOrEqualTo(0);
        }
    }

    private static JsonNode json(String text) throws java.io.IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    }

    @Test
    void publishesAnOpenApiDocument() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/jobs"))
                .body("paths", org.hamcrest.Matchers.hasKey("/jobs/{jobId}"))
                .body("paths", org.hamcrest.Matchers.hasKey("/fleet"));
    }
}
