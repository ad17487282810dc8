package dev.videoworker.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * End to end: the embedded simulator posts its signed events to the worker's own endpoint while the poll interval is
 * a minute, so jobs that end within seconds were moved on by their webhook, not by a poll.
 */
@QuarkusTest
@TestProfile(WebhooksProfile.class)
class WebhookDeliveryTest extends WorkerTest {

    /** Well inside the first poll (60 s after submission); the simulator takes 3 s. */
    static final Duration BOUND = Duration.ofSeconds(20);

    static JobsClient client;

    @Inject
    WorkerConfig config;

    @Inject
    MinioClient minio;

    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void connect() {
        client = WebhooksProfile.TOPICS.client();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        client.close();
    }

    @Test
    void storesAVideoLongBeforeTheFirstPoll() throws Exception {
        assertThat(config.poll().interval()).isEqualTo(Duration.ofSeconds(60));
        double polled = count("polled") + count("late_polled");
        String jobId = "webhook-ok-" + UUID.randomUUID();

        client.send(jobId, "{\"prompt\":\"A kite announced by webhook " + jobId + "\"}");
        JsonNode completion = client.awaitCompletion(jobId, BOUND);

        assertThat(completion.path("outcome").asText()).isEqualTo("succeeded");
        JsonNode video = completion.path("video");
        assertThat(minio.statObject(StatObjectArgs.builder().bucket(video.path("bucket").asText())
                .object(video.path("key").asText()).build()).size()).isEqualTo(video.path("bytes").asLong());
        assertThat(count("polled") + count("late_polled")).as("a webhook brought the poll forward")
                .isGreaterThan(polled);
        assertThat(client.statuses(jobId)).containsSubsequence("submitted", "generated", "storing", "stored");
    }

    @Test
    void failsAModeratedVideoLongBeforeTheFirstPoll() throws Exception {
        String jobId = "webhook-failed-" + UUID.randomUUID();

        client.send(jobId, "{\"prompt\":\"[simulate:moderation] announced by webhook " + jobId + "\"}");
        JsonNode completion = client.awaitCompletion(jobId, BOUND);

        assertThat(completion.path("outcome").asText()).isEqualTo("failed");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("moderation_blocked");
    }

    @Test
    void aLateWebhookForAFinishedJobChangesNothing() throws Exception {
        String jobId = "webhook-late-" + UUID.randomUUID();
        client.send(jobId, "{\"prompt\":\"A second announcement " + jobId + "\"}");
        String videoId = client.awaitCompletion(jobId, BOUND).path("videoId").asText();
        double busy = count("busy");

        String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
        long ts = Instant.now().getEpochSecond();
        String body = TestSigner.event(id, "video.completed", videoId);
        given().contentType("application/json").body(body).header("webhook-id", id)
                .header("webhook-timestamp", String.valueOf(ts))
                .header("webhook-signature", TestSigner.v1(WebhooksProfile.CURRENT_SECRET, id, ts, body))
                .post(WebhookEndpoint.PATH).then().statusCode(204);

        // the endpoint answers after deciding: no poll was started for a job that no longer waits for one
        assertThat(count("busy")).isEqualTo(busy + 1);
        assertThat(client.records(WebhooksProfile.TOPICS.prefix() + ".completed", jobId)).hasSize(1);
    }

    private double count(String outcome) {
        Counter counter = registry.find(WebhookEndpoint.METRIC).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }
}
