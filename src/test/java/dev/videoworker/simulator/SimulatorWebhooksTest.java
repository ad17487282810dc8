package dev.videoworker.simulator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * The standalone simulator announces finished jobs to a receiver on a port: one signed event per job, retried when
 * the receiver fails, none after a reset.
 */
class SimulatorWebhooksTest {

    private static final String KEY = "sk-webhook-sim";
    private static final String SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("FAKE-simulator-webhook-key".getBytes(StandardCharsets.US_ASCII));

    /** What the receiver got: headers and body of each delivery. */
    record Delivery(String id, String timestamp, String signature, String body, Instant receivedAt) {
    }

    private static Vertx receiverVertx;
    private static HttpServer receiver;
    private static SimulatorServer server;
    private static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    /** The receiver answers 500 this many times before it answers 204. */
    private static final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        receiverVertx = Vertx.vertx();
        receiver = receiverVertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            deliveries.add(new Delivery(request.getHeader("webhook-id"), request.getHeader("webhook-timestamp"),
                    request.getHeader("webhook-signature"), body.toString(StandardCharsets.UTF_8), Instant.now()));
            request.response().setStatusCode(failuresLeft.getAndDecrement() > 0 ? 500 : 204).end();
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        WebhookTarget target = new WebhookTarget(
                URI.create("http://127.0.0.1:" + receiver.actualPort() + "/webhooks/videos"), SECRET);
        server = SimulatorServer.start(SimulatorSettings.defaults().withApiKey(KEY).withDuration(Duration.ofSeconds(1))
                .withQueuedFraction(0.2).withFps(2).withWebhook(target), "127.0.0.1", 0);
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
        failuresLeft.set(0);
    }

    @Test
    void postsOneSignedCompletedEventWhenAJobCompletes() throws Exception {
        String videoId = create("A lighthouse at dusk");

        await().atMost(Duration.ofSeconds(15)).until(() -> !deliveries.isEmpty());
        Delivery delivery = deliveries.get(0);
        assertThat(delivery.signature()).isEqualTo(sign(delivery.id(), delivery.timestamp(), delivery.body()));
        assertThat(Math.abs(Long.parseLong(delivery.timestamp()) - Instant.now().getEpochSecond())).isLessThan(60);
        JsonObject event = new JsonObject(delivery.body());
        assertThat(event.getString("id")).isEqualTo(delivery.id()).startsWith("evt_");
        assertThat(event.getString("object")).isEqualTo("event");
        assertThat(event.getString("type")).isEqualTo("video.completed");
        assertThat(event.getJsonObject("data").getString("id")).isEqualTo(videoId);
        assertThat(event.getLong("created_at")).isPositive();
        assertThat(api().get("/v1/videos/" + videoId).<String>path("status")).isEqualTo("completed");

        await().atMost(Duration.ofSeconds(5)).until(() -> server.webhooks().orElseThrow().pending() == 0);
        assertThat(deliveries).hasSize(1);
    }

    @Test
    void postsAFailedEventForAModeratedJob() {
        String videoId = create("[simulate:moderation] a forbidden scene");

        await().atMost(Duration.ofSeconds(15)).until(() -> !deliveries.isEmpty());
        JsonObject event = new JsonObject(deliveries.get(0).body());
        assertThat(event.getString("type")).isEqualTo("video.failed");
        assertThat(event.getJsonObject("data").getString("id")).isEqualTo(videoId);
    }

    @Test
    void retriesAFailedDeliveryWithTheSameIdAndAFreshSignature() throws Exception {
        failuresLeft.set(2);
        create("A stubborn receiver");

        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries.size() >= 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.webhooks().orElseThrow().pending() == 0);
        assertThat(deliveries).hasSize(3);
        assertThat(deliveries).extracting(Delivery::id).containsOnly(deliveries.get(0).id());
        assertThat(deliveries).extracting(Delivery::body).containsOnly(deliveries.get(0).body());
        for (Delivery d : deliveries) {
            assertThat(d.signature()).isEqualTo(sign(d.id(), d.timestamp(), d.body()));
        }
        assertThat(Duration.between(deliveries.get(0).receivedAt(), deliveries.get(2).receivedAt()))
                .as("backoff of 1 s, then 2 s").isGreaterThanOrEqualTo(Duration.ofMillis(2_900));
    }

    @Test
    void resetCancelsWebhooksNotSentYet() {
        create("A slow one [simulate:duration=PT30S]");
        create("Another slow one [simulate:duration=PT40S]");
        create("One that never ends [simulate:stall]");
        SimulatorWebhooks webhooks = server.webhooks().orElseThrow();
        assertThat(webhooks.pending()).as("a timer per job that ends").isEqualTo(2);

        server.simulator().reset();

        assertThat(webhooks.pending()).isZero();
    }

    private static String create(String prompt) {
        return api().multiPart("prompt", prompt).post("/v1/videos").then().statusCode(200).extract().path("id");
    }

    private static RequestSpecification api() {
        return given().baseUri(server.baseUrl()).header("Authorization", "Bearer " + KEY);
    }

    private static String sign(String id, String timestamp, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring(6)), "HmacSHA256"));
        return "v1," + Base64.getEncoder().encodeToString(
                mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
    }
}
