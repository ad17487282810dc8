package dev.videoworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each injected fault as a client sees it over real HTTP, and none at rate 0. */
class SimulatorFaultsApiTest {

    private static final Duration DURATION = Duration.ofSeconds(60);

    @RegisterExtension
    static final SimulatorServerExtension SIMULATOR = new SimulatorServerExtension(SimulatorSettings.defaults()
            .withDuration(DURATION).withFps(2));

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static VideoSimulator simulator() {
        return SIMULATOR.simulator();
    }

    private static void only(Fault fault) {
        simulator().faults(FaultSettings.none().withRate(fault, 1.0).withSeed(5)
                .withRetryAfter(Duration.ofMillis(1500)).withStallDuration(Duration.ofSeconds(20))
                .withSlowContentDuration(Duration.ofMillis(500)));
    }

    @Test
    void aRateLimitedCreateIsAnswered429WithRetryAfterAndCreatesNothing() throws Exception {
        only(Fault.RATE_LIMIT);
        HttpResponse<String> response = send(createRequest("A lighthouse"));

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(response.headers().firstValue("retry-after-ms")).hasValue("1500");
        assertThat(response.body()).contains("\"code\":\"rate_limit_exceeded\"");
        assertThat(simulator().createCount()).isZero();
        assertThat(simulator().faultCount(Endpoint.CREATE, Fault.RATE_LIMIT)).isEqualTo(1);
    }

    @Test
    void serverErrorsAndOutagesHitReadsAndCreatesNothing() throws Exception {
        String id = simulator().create(CreateVideoRequest.of(null, "A pier", null, null)).id();
        only(Fault.SERVER_ERROR);
        assertThat(send(get("/v1/videos/" + id)).statusCode()).isEqualTo(500);
        assertThat(send(createRequest("A bridge")).statusCode()).isEqualTo(500);

        only(Fault.UNAVAILABLE);
        HttpResponse<String> listed = send(get("/v1/videos?limit=5"));
        assertThat(listed.statusCode()).isEqualTo(503);
        assertThat(listed.headers().firstValue("retry-after-ms")).hasValue("1500");
        assertThat(send(delete(id)).statusCode()).isEqualTo(503);

        assertThat(simulator().createCount()).isEqualTo(1);
        assertThat(simulator().callCount(Endpoint.RETRIEVE)).isEqualTo(1);
        assertThat(simulator().callCount(Endpoint.CREATE)).isEqualTo(1);
        assertThat(simulator().faultCount(Fault.SERVER_ERROR)).isEqualTo(2);
        assertThat(simulator().faultCount(Fault.UNAVAILABLE)).isEqualTo(2);
    }

    @Test
    void aResetClosesTheConnectionWithoutAnAnswer() {
        String id = simulator().create(CreateVideoRequest.of(null, "A canal", null, null)).id();
        only(Fault.RESET);

        assertThatThrownBy(() -> send(get("/v1/videos/" + id))).isInstanceOf(IOException.class);
        assertThat(simulator().faultCount(Endpoint.RETRIEVE, Fault.RESET)).isEqualTo(1);
    }

    @Test
    void aResetCreateMayOrMayNotHaveMadeTheJob() {
        only(Fault.RESET);
        for (int i = 0; i < 12; i++) {
            String prompt = "A lost answer " + i;
            assertThatThrownBy(() -> send(createRequest(prompt))).isInstanceOf(IOException.class);
        }
        assertThat(simulator().faultCount(Endpoint.CREATE, Fault.RESET)).isEqualTo(12);
        // seed 5: both outcomes occur, so a client must reconcile rather than assume either
        assertThat(simulator().createCount()).isBetween(1, 11);
    }

    @Test
    void aStallGivesNoAnswerWithinTheClientsTimeout() {
        String id = simulator().create(CreateVideoRequest.of(null, "A marsh", null, null)).id();
        only(Fault.STALL);

        assertThatThrownBy(() -> http.send(get("/v1/videos/" + id).timeout(Duration.ofMillis(300)).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);
        assertThat(simulator().faultCount(Endpoint.RETRIEVE, Fault.STALL)).isEqualTo(1);
    }

    @Test
    void aTruncatedDownloadEndsBeforeItsAnnouncedLength() throws Exception {
        String id = completedVideo("A dune");
        only(Fault.TRUNCATE);

        assertThatThrownBy(() -> http.send(get("/v1/videos/" + id + "/content").build(),
                HttpResponse.BodyHandlers.ofByteArray())).isInstanceOf(IOException.class);
        assertThat(simulator().faultCount(Endpoint.CONTENT, Fault.TRUNCATE)).isEqualTo(1);
    }

    @Test
    void aSlowDownloadStillDeliversEveryByte() throws Exception {
        String id = completedVideo("A glacier");
        byte[] expected = http.send(get("/v1/videos/" + id + "/content").build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        only(Fault.SLOW_CONTENT);

        HttpResponse<byte[]> slow = http.send(get("/v1/videos/" + id + "/content").build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(slow.statusCode()).isEqualTo(200);
        assertThat(slow.body()).isEqualTo(expected);
        assertThat(simulator().faultCount(Endpoint.CONTENT, Fault.SLOW_CONTENT)).isEqualTo(1);
    }

    @Test
    void atRateZeroEveryCallIsAnsweredNormallyAndCounted() throws Exception {
        simulator().faults(FaultSettings.none().withSeed(5));
        String id = completedVideo("A quiet lake");
        assertThat(send(createRequest("A calm sea")).statusCode()).isEqualTo(200);
        assertThat(send(get("/v1/videos/" + id)).statusCode()).isEqualTo(200);
        assertThat(send(get("/v1/videos")).statusCode()).isEqualTo(200);
        assertThat(http.send(get("/v1/videos/" + id + "/content").build(), HttpResponse.BodyHandlers.ofByteArray())
                .statusCode()).isEqualTo(200);
        assertThat(send(delete(id)).statusCode()).isEqualTo(200);

        for (Endpoint endpoint : new Endpoint[] {Endpoint.CREATE, Endpoint.RETRIEVE, Endpoint.LIST,
                Endpoint.CONTENT, Endpoint.DELETE}) {
            assertThat(simulator().callCount(endpoint)).as(endpoint.name()).isEqualTo(1);
        }
        for (Fault fault : Fault.values()) {
            assertThat(simulator().faultCount(fault)).as(fault.name()).isZero();
        }
        assertThat(simulator().calls()).extracting(VideoSimulator.Call::endpoint).containsExactly(Endpoint.CREATE,
                Endpoint.RETRIEVE, Endpoint.LIST, Endpoint.CONTENT, Endpoint.DELETE);
    }

    @Test
    void refusedKeysAreNotCounted() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v1/videos"))
                .header("Authorization", "Bearer wrong-key").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(simulator().callCount(Endpoint.LIST)).isZero();
    }

    private String completedVideo(String prompt) {
        String id = simulator().create(CreateVideoRequest.of(null, prompt, null, null)).id();
        SIMULATOR.clock().advance(DURATION.plusSeconds(1));
        return id;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(SIMULATOR.baseUrl() + path);
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY)
                .GET();
    }

    private static HttpRequest.Builder delete(String id) {
        return HttpRequest.newBuilder(uri("/v1/videos/" + id))
                .header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY).DELETE();
    }

    private static HttpRequest.Builder createRequest(String prompt) {
        String json = "{\"prompt\":\"" + prompt + "\"}";
        return HttpRequest.newBuilder(uri("/v1/videos"))
                .header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }
}
