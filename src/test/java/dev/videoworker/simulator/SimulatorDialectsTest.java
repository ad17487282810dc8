package dev.videoworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.videoworker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The dialects' wire shapes over real HTTP, on one simulator: their creates and answers, their error envelopes, the
 * same injected faults as OpenAI's routes, and keyless result URLs on a configured origin.
 */
class SimulatorDialectsTest {

    private static final String KEY = "sk-FAKE-dialects-0000";
    private static final String RESULT_ORIGIN = "http://files.example:9";
    private static final Duration DURATION = Duration.ofSeconds(60);

    private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private static Vertx vertx;
    private static VideoSimulator simulator;
    private static String base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        simulator = new VideoSimulator(SimulatorSettings.defaults().withApiKey(KEY).withDuration(DURATION)
                .withFps(2), CLOCK);
        Router router = Router.router(vertx);
        new SimulatorRoutes(simulator, List.of("openrouter", "together", "url-result"), RESULT_ORIGIN).mount(router);
        HttpServer server = vertx.createHttpServer(SimulatorServer.formLimits(new HttpServerOptions()))
                .requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        simulator.close();
    }

    @BeforeEach
    void forget() {
        simulator.reset();
    }

    @Test
    void openRouterAnswers202WithTheIdAndHidesProgressUntilTheCostIsKnown() throws Exception {
        HttpResponse<String> created = send(post("/openrouter/api/v1/videos", """
                {"model":"sora-2","prompt":"A tram in the fog","duration":8,"size":"1280x720",
                 "callback_url":"https://worker.example/cb?job=1"}"""));
        assertThat(created.statusCode()).isEqualTo(202);
        JsonObject answer = new JsonObject(created.body());
        String id = answer.getString("id");
        assertThat(answer.fieldNames()).containsExactlyInAnyOrder("id", "polling_url", "status");
        assertThat(answer.getString("status")).isEqualTo("pending");
        assertThat(answer.getString("polling_url")).isEqualTo(base + "/openrouter/api/v1/videos/" + id);
        assertThat(simulator.retrieve(id).seconds()).isEqualTo("8");

        CLOCK.advance(DURATION.dividedBy(2));
        JsonObject running = new JsonObject(send(get("/openrouter/api/v1/videos/" + id, KEY)).body());
        assertThat(running.getString("status")).isEqualTo("in_progress");
        assertThat(running.containsKey("progress")).isFalse();

        CLOCK.advance(DURATION);
        JsonObject done = new JsonObject(send(get("/openrouter/api/v1/videos/" + id, KEY)).body());
        assertThat(done.getString("status")).isEqualTo("completed");
        assertThat(done.getJsonObject("usage").getDouble("cost")).isEqualTo(0.80);
        assertThat(done.getJsonArray("unsigned_urls").getString(0)).isEqualTo(base + "/openrouter/api/v1/videos/"
                + id + "/content?index=0");
        assertThat(send(get("/openrouter/api/v1/videos/" + id + "/content?index=0", null)).statusCode())
                .isEqualTo(401);
    }

    @Test
    void openRouterRefusesAStringDurationInItsOwnEnvelope() throws Exception {
        HttpResponse<String> refused = send(post("/openrouter/api/v1/videos", """
                {"model":"sora-2","prompt":"A tram","duration":"8"}"""));
        assertThat(refused.statusCode()).isEqualTo(400);
        JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
        assertThat(error.getValue("code")).isEqualTo(400);
        assertThat(error.getString("message")).contains("duration");
        assertThat(simulator.createCount()).isZero();
    }

    @Test
    void injectedFaultsHitTheDialectRoutesAsTheyHitOpenAis() throws Exception {
        String id = simulator.create(CreateVideoRequest.of("sora-2", "A quay", "1280x720", "4")).id();
        simulator.failNext(Endpoint.RETRIEVE, id, Fault.RATE_LIMIT, 1);
        HttpResponse<String> limited = send(get("/openrouter/api/v1/videos/" + id, KEY));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(new JsonObject(limited.body()).getJsonObject("error").getValue("code")).isEqualTo(429);

        simulator.failNext(Endpoint.RETRIEVE, id, Fault.SERVER_ERROR, 1);
        assertThat(send(get("/together/v2/videos/" + id, KEY)).statusCode()).isEqualTo(500);
        assertThat(send(get("/together/v2/videos/" + id, KEY)).statusCode()).isEqualTo(200);
        assertThat(simulator.faultCount(Endpoint.RETRIEVE, Fault.RATE_LIMIT)).isEqualTo(1);
        assertThat(simulator.faultCount(Endpoint.RETRIEVE, Fault.SERVER_ERROR)).isEqualTo(1);

        String prompt = "A ferry " + SimulatorRoutes.CREATE_LOST_504_MARKER;
        HttpResponse<String> lost = send(post("/together/v2/videos", """
                {"model":"sora-2","prompt":"%s","width":1280,"height":720,"seconds":"4"}""".formatted(prompt)));
        assertThat(lost.statusCode()).isEqualTo(504);
        assertThat(simulator.createCount(prompt)).isEqualTo(1);
    }

    @Test
    void togetherAndTheRelayNameKeylessResultUrlsOnTheConfiguredOrigin() throws Exception {
        HttpResponse<String> created = send(post("/together/v2/videos", """
                {"model":"sora-2","prompt":"A kite","width":720,"height":1280,"seconds":"4"}"""));
        assertThat(created.statusCode()).isEqualTo(200);
        String id = new JsonObject(created.body()).getString("id");
        assertThat(simulator.retrieve(id).size()).isEqualTo("720x1280");
        CLOCK.advance(DURATION.multipliedBy(2));

        JsonObject together = new JsonObject(send(get("/together/v2/videos/" + id, KEY)).body());
        String url = together.getJsonObject("outputs").getString("video_url");
        assertThat(url).startsWith(RESULT_ORIGIN + "/files/" + id + "/video.mp4?token=");
        assertThat(together.getJsonObject("outputs").getDouble("cost")).isEqualTo(0.40);
        JsonObject relay = new JsonObject(send(get("/url-result/v1/videos/" + id, KEY)).body());
        assertThat(relay.getString("status")).isEqualTo("succeeded");
        assertThat(relay.getString("progress")).isEqualTo("100%");
        assertThat(relay.getString("video_url")).isEqualTo(url);

        String here = url.replace(RESULT_ORIGIN, base);
        HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(URI.create(here)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Type")).hasValue("video/mp4");
        assertThat(file.body()).hasSizeGreaterThan(100);
        assertThat(send(get(here.replaceAll("token=.*", "token=abc"), null)).statusCode()).isEqualTo(404);

        simulator.failNext(Endpoint.CONTENT, id, Fault.UNAVAILABLE, 1);
        assertThat(send(get(here, null)).statusCode()).isEqualTo(503);
    }

    @Test
    void servesOnlyTheSelectedDialectsAndNoOthersUnderTheirPrefixes() throws Exception {
        assertThat(send(get("/v1/videos", KEY)).statusCode()).isEqualTo(404);
        assertThat(send(get("/openai/v1/videos", KEY)).statusCode()).isEqualTo(404);
        HttpResponse<String> noList = send(get("/together/v2/videos", KEY));
        assertThat(noList.statusCode()).isEqualTo(404);
        assertThat(noList.body()).contains("Invalid URL");
        assertThatThrownBy(() -> new SimulatorRoutes(simulator, List.of("veo"), null))
                .hasMessageContaining("openrouter");
    }

    private HttpRequest post(String path, String json) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private HttpRequest get(String pathOrUrl, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(pathOrUrl.startsWith("http") ? pathOrUrl
                : base + pathOrUrl));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return request.build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
