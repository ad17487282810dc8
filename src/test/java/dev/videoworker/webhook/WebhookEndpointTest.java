package dev.videoworker.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Signature checks of {@code POST /webhooks/videos} on the running worker. Events name videos no job follows, so an
 * accepted one is counted as {@code unknown_video}; what a delivery did shows in {@code worker_webhooks_total}.
 */
@QuarkusTest
@TestProfile(WebhooksProfile.class)
class WebhookEndpointTest extends WorkerTest {

    static final String SECRET = WebhooksProfile.CURRENT_SECRET;

    @Inject
    MeterRegistry registry;

    @Test
    void acceptsAValidSignature() {
        double before = count("unknown_video");
        send(newId(), now(), SECRET, completedEvent()).then().statusCode(204);
        assertThat(count("unknown_video")).isEqualTo(before + 1);
    }

    @Test
    void acceptsTheSecretBeingRotatedOut() {
        send(newId(), now(), WebhooksProfile.PREVIOUS_SECRET, completedEvent()).then().statusCode(204);
    }

    @Test
    void refusesAnotherSecret() {
        double before = count("rejected");
        send(newId(), now(), TestSigner.secret("FAKE-not-the-configured-key"), completedEvent()).then()
                .statusCode(401);
        assertThat(count("rejected")).isEqualTo(before + 1);
    }

    @Test
    void refusesStaleAndFutureTimestamps() {
        send(newId(), now() - 301, SECRET, completedEvent()).then().statusCode(401);
        send(newId(), now() - 3600, SECRET, completedEvent()).then().statusCode(401);
        // A future timestamp shrinks while the request travels: leave a margin for a loaded machine.
        send(newId(), now() + 330, SECRET, completedEvent()).then().statusCode(401);
    }

    @Test
    void ignoresAReplayedWebhookId() {
        String id = newId();
        long ts = now();
        String body = completedEvent();
        double handled = count("unknown_video");
        double replayed = count("replayed");

        send(id, ts, SECRET, body).then().statusCode(204);
        send(id, ts, SECRET, body).then().statusCode(204);
        send(id, now(), SECRET, body).then().statusCode(204);

        assertThat(count("unknown_video")).as("handled once").isEqualTo(handled + 1);
        assertThat(count("replayed")).isEqualTo(replayed + 2);
    }

    @Test
    void refusedDeliveriesChangeNothingNotEvenTheReplayMemory() {
        String id = newId();
        String body = completedEvent();
        double handled = count("unknown_video");

        send(id, now(), TestSigner.secret("FAKE-forged-key"), body).then().statusCode(401);
        send(id, now(), SECRET, body).then().statusCode(204);

        assertThat(count("unknown_video")).as("the genuine delivery is handled").isEqualTo(handled + 1);
    }

    @Test
    void refusesMalformedHeaders() {
        String body = completedEvent();
        long ts = now();
        String id = newId();
        String good = TestSigner.v1(SECRET, id, ts, body);
        double before = count("rejected");
        double handled = count("unknown_video");

        post(id, String.valueOf(ts), good.substring(3), body).then().statusCode(401);
        post(id, String.valueOf(ts), "v1,%%%not-base64%%%", body).then().statusCode(401);
        post(id, String.valueOf(ts), "v2," + good.substring(3), body).then().statusCode(401);
        post(id, "yesterday", good, body).then().statusCode(401);
        post(null, String.valueOf(ts), good, body).then().statusCode(401);
        post(id, null, good, body).then().statusCode(401);
        post(id, String.valueOf(ts), null, body).then().statusCode(401);
        post(id, String.valueOf(ts), good, body.replace("video.completed", "video.failed")).then().statusCode(401);

        assertThat(count("rejected")).isEqualTo(before + 8);
        assertThat(count("unknown_video")).as("none was handled").isEqualTo(handled);
    }

    @Test
    void acceptsWhenOneOfSeveralSignaturesIsValid() {
        String id = newId();
        long ts = now();
        String body = completedEvent();
        String wrong = TestSigner.v1(TestSigner.secret("FAKE-an-old-key"), id, ts, body);
        post(id, String.valueOf(ts), wrong + " v1,garbage " + TestSigner.v1(SECRET, id, ts, body), body).then()
                .statusCode(204);
    }

    @Test
    void acceptsButIgnoresOtherEventTypes() {
        double before = count("ignored_type");
        send(newId(), now(), SECRET, TestSigner.event("evt_x", "video.created", "video_x")).then().statusCode(204);
        assertThat(count("ignored_type")).isEqualTo(before + 1);
    }

    @Test
    void refusesASignedBodyThatIsNotAnEvent() {
        send(newId(), now(), SECRET, "[1,2,3]").then().statusCode(400);
    }

    private static Response send(String id, long ts, String secret, String body) {
        return post(id, String.valueOf(ts), TestSigner.v1(secret, id, ts, body), body);
    }

    private static Response post(String id, String ts, String signature, String body) {
        RequestSpecification request = given().contentType("application/json").body(body);
        if (id != null) {
            request.header("webhook-id", id);
        }
        if (ts != null) {
            request.header("webhook-timestamp", ts);
        }
        if (signature != null) {
            request.header("webhook-signature", signature);
        }
        return request.post(WebhookEndpoint.PATH);
    }

    private double count(String outcome) {
        Counter counter = registry.find(WebhookEndpoint.METRIC).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static String newId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "");
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static String completedEvent() {
        return TestSigner.event(newId(), "video.completed", "video_unknown_" + UUID.randomUUID());
    }
}
