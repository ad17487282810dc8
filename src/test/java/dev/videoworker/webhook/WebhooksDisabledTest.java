package dev.videoworker.webhook;

import static io.restassured.RestAssured.given;

import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
import io.quarkus.test.junit.QuarkusTest;

/** Without {@code worker.webhooks.secret} there is no webhook endpoint: nothing unsigned can reach the poller. */
@QuarkusTest
class WebhooksDisabledTest extends WorkerTest {

    @Test
    void answersNotFoundWithoutASecret() {
        long ts = System.currentTimeMillis() / 1000;
        String body = TestSigner.event("evt_disabled", "video.completed", "video_disabled");
        given().contentType("application/json").body(body).header("webhook-id", "evt_disabled")
                .header("webhook-timestamp", String.valueOf(ts))
                .header("webhook-signature", TestSigner.v1(TestSigner.secret("FAKE-any-key"), "evt_disabled", ts,
                        body))
                .post(WebhookEndpoint.PATH).then().statusCode(404);
    }
}
