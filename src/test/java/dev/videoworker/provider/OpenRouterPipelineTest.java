package dev.videoworker.provider;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.driver.JobDriver;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobStore;
import dev.videoworker.simulator.SimulatorRoutes;
import dev.videoworker.simulator.VideoSimulator;
import dev.videoworker.submit.CallbackUrls;
import dev.videoworker.testing.Partitions;
import dev.videoworker.testing.WorkerTestResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * OpenRouter: JSON creates answered 202, no progress, the video behind the content endpoint with the key; and no
 * list, so a lost create answer is learnt from the signed callback the create's {@code callback_url} brings (never
 * from a second paid create), or ends the job {@code submission_unknown} when none comes within the window.
 */
@QuarkusTest
@TestProfile(DialectProfile.OpenRouter.class)
class OpenRouterPipelineTest extends DialectPipelineTest {

    /** The video ends a second after its create, so its callback comes well inside the callback window. */
    static final String QUICK_VIDEO = "[simulate:duration=PT1S]";

    @Inject
    MeterRegistry registry;

    @Inject
    JobStore store;

    @Inject
    JobDriver driver;

    @Override
    String dialect() {
        return "openrouter";
    }

    @Override
    void afterStored(String videoId, String sha256) throws Exception {
        JsonNode described = describe("/api/v1/videos/" + videoId);
        String path = "/openrouter/api/v1/videos/" + videoId;
        assertThat(described.path("status").asText()).isEqualTo("completed");
        assertThat(described.has("progress")).isFalse();
        assertThat(described.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.40");
        given().get(path + "/content?index=0").then().statusCode(401);
        byte[] content = given().header("Authorization", "Bearer " + WorkerTestResources.PROVIDER_API_KEY)
                .get(path + "/content?index=0").then().statusCode(200).extract().asByteArray();
        assertThat(sha256(content)).isEqualTo(sha256);
    }

    @Test
    void adoptsTheVideoItsCallbackNamesWhenTheCreateAnswerIsLost() throws Exception {
        double adopted = callbacks("adopted");
        String jobId = "openrouter-lost-" + UUID.randomUUID();
        String prompt = "A lighthouse keeper's cat " + SimulatorRoutes.CREATE_LOST_504_MARKER + " "
                + QUICK_VIDEO + " " + jobId;
        client.send(jobId, "{\"model\":\"sora-2\",\"prompt\":\"" + prompt + "\",\"seconds\":\"4\"}");

        JsonNode completion = client.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        String videoId = completion.path("videoId").asText();
        assertThat(simulator().videos()).filteredOn(v -> v.prompt().equals(prompt)).singleElement()
                .satisfies(v -> assertThat(v.id()).isEqualTo(videoId));
        assertThat(callbacks("adopted")).as("the callback named the video").isEqualTo(adopted + 1);
        assertThat(client.statuses(jobId)).containsSubsequence("accepted", "submitted", "stored").endsWith("stored");
    }

    @Test
    void endsSubmissionUnknownWithoutASecondCreateWhenNoCallbackComesAlsoAfterATakeOver() throws Exception {
        String jobId = "openrouter-silent-" + UUID.randomUUID();
        // a video that never ends: OpenRouter calls back only once it is final
        String prompt = "A lighthouse keeper's dog " + SimulatorRoutes.CREATE_LOST_504_MARKER + " "
                + VideoSimulator.STALL_MARKER + " " + jobId;
        Instant sent = Instant.now();
        client.send(jobId, "{\"model\":\"sora-2\",\"prompt\":\"" + prompt + "\",\"seconds\":\"4\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> simulator().createCount(prompt) == 1);
        JobState intent = store.find(jobId).orElseThrow();
        assertThat(intent.status()).isEqualTo(JobStatus.SUBMITTING);

        // what a replica taking the partition over does with a job in submitting: reconcile it after the create
        // timeout, which for a provider that calls back means waiting for the callback too
        driver.apply(intent, new JobEvent.TakenOver()).await().atMost(Duration.ofSeconds(10));
        await().during(DialectProfile.OpenRouter.CREATE_TIMEOUT.plusSeconds(2)).atMost(Duration.ofSeconds(8))
                .until(() -> store.find(jobId).map(JobState::status).orElse(null) == JobStatus.SUBMITTING);

        JsonNode completion = client.awaitCompletion(jobId);
        assertThat(Duration.between(sent, Instant.now())).as("waited for the callback")
                .isGreaterThanOrEqualTo(DialectProfile.OpenRouter.CALLBACK_WINDOW);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("failed");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("submission_unknown");
        assertThat(completion.path("error").path("message").asText())
                .contains("no callback for this job arrived within " + DialectProfile.OpenRouter.CALLBACK_WINDOW)
                .doesNotContain(WorkerTestResources.PROVIDER_API_KEY, DialectProfile.OpenRouter.CALLBACK_SECRET);
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        // never "submitted": no video id was ever learnt
        assertThat(client.statuses(jobId)).containsExactly("accepted", "failed");
    }

    @Test
    void callbackRouteRefusesBadSignaturesAndAsksForARedeliveryOfJobsNotHeldHere() {
        String path = CallbackUrls.PATH + providers.defaultClient().provider();
        String body = "{\"type\":\"video.generation.completed\",\"created_at\":\"2026-12-04T21:00:00Z\","
                + "\"data\":{\"id\":\"video_FAKE0\",\"status\":\"completed\"}}";
        long now = Instant.now().getEpochSecond();
        String job = "openrouter-nowhere-" + UUID.randomUUID();

        callback(path, job, body, null).then().statusCode(401);
        callback(path, job, body, sign("FAKE-not-the-secret", now, body)).then().statusCode(401);
        callback(path, job, body, sign(DialectProfile.OpenRouter.CALLBACK_SECRET, now - 301, body)).then()
                .statusCode(401);
        callback(path, job, body.replace("FAKE0", "FAKE1"), sign(DialectProfile.OpenRouter.CALLBACK_SECRET, now,
                body)).then().statusCode(401);
        // signed, but the job id breaks the rules of job ids (a line break)
        callback(path, "bad\njob", body, sign(DialectProfile.OpenRouter.CALLBACK_SECRET, now, body)).then()
                .statusCode(400);
        callback(CallbackUrls.PATH + "no-such-provider", job, body,
                sign(DialectProfile.OpenRouter.CALLBACK_SECRET, now, body)).then().statusCode(404);

        double notHere = callbacks("not_here");
        callback(path, job, body, sign(DialectProfile.OpenRouter.CALLBACK_SECRET, now, body)).then()
                .statusCode(503).header("Retry-After", "10");
        // not remembered: a redelivery is looked at again
        callback(path, job, body, sign(DialectProfile.OpenRouter.CALLBACK_SECRET, now, body)).then()
                .statusCode(503);
        assertThat(callbacks("not_here")).isEqualTo(notHere + 2);
        // the Standard Webhooks route is the openai dialect's
        given().contentType("application/json").body(body).post("/webhooks/videos").then().statusCode(404);
    }

    @Test
    void neitherTheCallbackSecretNorTheKeyAppearsInTheLogEventsMetricsOrHealth() throws Exception {
        // a lost create adopted through a signed callback, and forged callbacks refused, all at debug level
        String jobId = "openrouter-secret-" + UUID.randomUUID();
        String prompt = "A lighthouse keeper's parrot " + SimulatorRoutes.CREATE_LOST_504_MARKER + " "
                + QUICK_VIDEO + " " + jobId;
        client.send(jobId, "{\"model\":\"sora-2\",\"prompt\":\"" + prompt + "\",\"seconds\":\"4\"}");
        assertThat(client.awaitCompletion(jobId).path("outcome").asText()).isEqualTo("succeeded");
        String path = CallbackUrls.PATH + providers.defaultClient().provider();
        String body = "{\"type\":\"video.generation.completed\",\"data\":{\"id\":\"video_FAKE9\"}}";
        callback(path, jobId, body, sign("FAKE-not-the-secret", Instant.now().getEpochSecond(), body)).then()
                .statusCode(401);

        String secret = DialectProfile.OpenRouter.CALLBACK_SECRET;
        String key = WorkerTestResources.PROVIDER_API_KEY;
        List<String> written = new ArrayList<>();
        written.add(given().get("/q/health").asString());
        written.add(given().get("/q/metrics").asString());
        String log = Files.readString(DialectProfile.OpenRouter.LOG, StandardCharsets.UTF_8);
        assertThat(log).as("the log covers the adoption").contains(jobId);
        written.add(log);
        String prefix = DialectProfile.topics(dialect()).prefix();
        for (String topic : List.of(".status", ".completed", ".jobs", ".dlq")) {
            for (int p = 0; p < 3; p++) {
                for (ConsumerRecord<String, String> r : Partitions.readCommitted(
                        WorkerTestResources.broker().bootstrapServers(), prefix + topic, p)) {
                    written.add(r.key() + " " + r.value());
                    r.headers().forEach(h -> written.add(h.key() + "=" + new String(h.value(),
                            StandardCharsets.UTF_8)));
                }
            }
        }
        assertThat(String.join("\n", written)).as("the job's events were read").contains(jobId + "/completed");
        for (String text : written) {
            assertThat(text).doesNotContain(secret).doesNotContain(key);
        }
    }

    private static Response callback(String path, String job, String body, String signature) {
        RequestSpecification request = given().contentType("application/json").body(body)
                .queryParam(CallbackUrls.JOB_PARAMETER, job)
                .header("X-OpenRouter-Idempotency-Key", "video_FAKE0-completed");
        if (signature != null) {
            request.header("X-OpenRouter-Signature", signature);
        }
        return request.post(path);
    }

    /** {@code t=<t>,v1=<hex HMAC-SHA256 of "<t>,<body>">}, written out here independently of the worker's check. */
    private static String sign(String secret, long t, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal((t + "," + body)
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private double callbacks(String outcome) {
        Counter counter = registry.find("worker.callbacks").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }
}
