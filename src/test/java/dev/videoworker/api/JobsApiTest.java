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

    @Test
    void publishesAnOpenApiDocument() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/jobs"))
                .body("paths", org.hamcrest.Matchers.hasKey("/jobs/{jobId}"));
    }
}
