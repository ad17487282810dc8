package dev.videoworker.simulator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

/**
 * The standalone simulator calls an OpenRouter create's {@code callback_url} once the video is final: OpenRouter's
 * envelope, idempotency key and signature, checked here with a signer written out independently.
 */
class SimulatorOpenRouterCallbacksTest {

    private static final String KEY = "sk-FAKE-openrouter-sim";
    private static final String SECRET = "FAKE-openrouter-callback-secret";

    /** What the receiver got: the URL's query, the two OpenRouter headers and the body. */
    record Delivery(String query, String idempotencyKey, String signature, String body) {
    }

    private static Vertx receiverVertx;
    private static HttpServer receiver;
    private static SimulatorServer server;
    private static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        receiverVertx = Vertx.vertx();
        receiver = receiverVertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            deliveries.add(new Delivery(request.query(), request.getHeader("X-OpenRouter-Idempotency-Key"),
                    request.getHeader("X-OpenRouter-Signature"), body.toString(StandardCharsets.UTF_8)));
            request.response().setStatusCode(204).end();
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server = SimulatorServer.start(SimulatorSettings.defaults().withApiKey(KEY).withDuration(Duration.ofSeconds(1))
                .withQueuedFraction(0.2).withFps(2).withOpenRouterWebhookSecret(SECRET), "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (receiverVertx != null) {
            receiverVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void forget() {
        server.simulator().reset();
        deliveries.clear();
    }

    @Test
    void callsTheCallbackUrlOnceWithASignedCompletedEvent() throws Exception {
        String callbackUrl = "http://127.0.0.1:" + receiver.actualPort() + "/webhooks/providers/openrouter?job=job-1";
        String videoId = create("A harbour at dawn", callbackUrl);

        await().atMost(Duration.ofSeconds(15)).until(() -> !deliveries.isEmpty());
        Delivery delivery = deliveries.get(0);
        assertThat(delivery.query()).isEqualTo("job=job-1");
        assertThat(delivery.idempotencyKey()).isEqualTo(videoId + "-completed");
        String t = delivery.signature().substring(2, delivery.signature().indexOf(','));
        assertThat(delivery.signature()).isEqualTo("t=" + t + ",v1=" + hmac(t + "," + delivery.body()));
        assertThat(Math.abs(Long.parseLong(t) - Instant.now().getEpochSecond())).isLessThan(60);
        JsonObject event = new JsonObject(delivery.body());
        assertThat(event.getString("type")).isEqualTo("video.generation.completed");
        JsonObject data = event.getJsonObject("data");
        assertThat(data.getString("id")).isEqualTo(videoId);
        assertThat(data.getString("status")).isEqualTo("completed");
        assertThat(data.getString("generation_id")).startsWith("gen-");
        assertThat(data.getJsonArray("unsigned_urls").getString(0))
                .isEqualTo(server.baseUrl() + "/openrouter/api/v1/videos/" + videoId + "/content?index=0");
        assertThat(data.getJsonObject("usage").getValue("cost")).isNotNull();

        await().atMost(Duration.ofSeconds(5)).until(() -> server.webhooks().orElseThrow().pending() == 0);
        assertThat(deliveries).hasSize(1);
    }

    @Test
    void announcesAFailedVideoWithItsError() {
        String callbackUrl = "http://127.0.0.1:" + receiver.actualPort() + "/cb";
        String videoId = create("[simulate:moderation] a forbidden scene", callbackUrl);

        await().atMost(Duration.ofSeconds(15)).until(() -> !deliveries.isEmpty());
        JsonObject event = new JsonObject(deliveries.get(0).body());
        assertThat(event.getString("type")).isEqualTo("video.generation.failed");
        assertThat(event.getJsonObject("data").getString("id")).isEqualTo(videoId);
        assertThat(event.getJsonObject("data").getString("error")).isNotBlank();
        assertThat(deliveries.get(0).idempotencyKey()).isEqualTo(videoId + "-failed");
    }

    @Test
    void sendsNothingWithoutACallbackUrlAndRefusesARelativeOne() {
        create("No callback wanted", null);
        assertThat(server.webhooks().orElseThrow().pending()).isZero();

        api().contentType("application/json").body(new JsonObject().put("model", "sora-2").put("prompt", "x")
                .put("callback_url", "/relative").encode()).post("/openrouter/api/v1/videos").then().statusCode(400);
    }

    private static String create(String prompt, String callbackUrl) {
        JsonObject body = new JsonObject().put("model", "sora-2").put("prompt", prompt).put("duration", 4);
        if (callbackUrl != null) {
            body.put("callback_url", callbackUrl);
        }
        return api().contentType("application/json").body(body.encode()).post("/openrouter/api/v1/videos").then()
                .statusCode(202).extract().path("id");
    }

    private static RequestSpecification api() {
        return given().baseUri(server.baseUrl()).header("Authorization", "Bearer " + KEY);
    }

    private static String hmac(String signed) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    }
}
