package dev.videoworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Creates whose video is made while the answer is lost, over real HTTP, by rate and by prompt marker: a gateway's
 * 504, a reset after the video was made, an answer held past the client's read timeout. Each time the provider has
 * the video (listed and retrievable) and counts exactly one create for its prompt.
 */
class SimulatorLostCreateTest {

    private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(400);
    private static final Duration STALL = Duration.ofSeconds(2);

    @RegisterExtension
    static final SimulatorServerExtension SIMULATOR = new SimulatorServerExtension(SimulatorSettings.defaults()
            .withDuration(Duration.ofSeconds(60)).withFps(2));

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static VideoSimulator simulator() {
        return SIMULATOR.simulator();
    }

    private static void always(Fault fault) {
        simulator().faults(FaultSettings.none().withRate(fault, 1.0).withCreateStallDuration(STALL).withSeed(7));
    }

    @Test
    void aCreateLostAs504HasMadeItsVideo() throws Exception {
        always(Fault.CREATE_LOST_504);
        String prompt = prompt("A harbour crane");

        HttpResponse<String> answer = send(create(prompt));

        assertGatewayTimeout(answer);
        assertMadeOnce(prompt);
        assertThat(simulator().faultCount(Endpoint.CREATE, Fault.CREATE_LOST_504)).isEqualTo(1);
    }

    @Test
    void theCreateLost504MarkerLosesTheAnswerTheSameWay() throws Exception {
        String prompt = prompt("A tram depot " + SimulatorRoutes.CREATE_LOST_504_MARKER);

        assertGatewayTimeout(send(create(prompt)));
        assertMadeOnce(prompt);
    }

    @Test
    void aScriptedCreateLost504HitsOnlyItsPrompt() throws Exception {
        String prompt = prompt("A ferry");
        simulator().failNext(Endpoint.CREATE, prompt, Fault.CREATE_LOST_504, 1);

        assertThat(send(create(prompt("Another ferry"))).statusCode()).isEqualTo(200);
        assertGatewayTimeout(send(create(prompt)));
        assertMadeOnce(prompt);
    }

    @Test
    void aCreateResetAlwaysHasMadeItsVideo() {
        always(Fault.CREATE_RESET);
        for (int i = 0; i < 5; i++) {
            String prompt = prompt("A signal box " + i);

            assertThatThrownBy(() -> send(create(prompt))).isInstanceOf(IOException.class);

            assertMadeOnce(prompt);
        }
        assertThat(simulator().faultCount(Endpoint.CREATE, Fault.CREATE_RESET)).isEqualTo(5);
    }

    @Test
    void theCreateResetMarkerHasMadeItsVideo() {
        String prompt = prompt("A level crossing " + SimulatorRoutes.CREATE_RESET_MARKER);

        assertThatThrownBy(() -> send(create(prompt))).isInstanceOf(IOException.class);

        assertMadeOnce(prompt);
    }

    @Test
    void aResetCreateCountsTheVideosItMadeAndOnlyThose() {
        simulator().faults(FaultSettings.none().withRate(Fault.RESET, 1.0).withSeed(5));
        List<String> prompts = List.of(prompt("A pier 1"), prompt("A pier 2"), prompt("A pier 3"),
                prompt("A pier 4"), prompt("A pier 5"), prompt("A pier 6"));
        for (String prompt : prompts) {
            assertThatThrownBy(() -> send(create(prompt))).isInstanceOf(IOException.class);
        }
        // RESET hits every endpoint; the list must answer now
        simulator().faults(FaultSettings.none());

        int made = 0;
        for (String prompt : prompts) {
            int creates = simulator().createCount(prompt);
            boolean listed = listed(prompt) != null;
            assertThat(creates).as(prompt).isEqualTo(listed ? 1 : 0);
            made += creates;
        }
        assertThat(simulator().createCount()).isEqualTo(made);
    }

    @Test
    void aStalledCreateHasMadeItsVideoAlthoughTheClientGaveUp() {
        always(Fault.CREATE_STALL);
        String prompt = prompt("A water tower");

        assertThatThrownBy(() -> send(create(prompt).timeout(CLIENT_TIMEOUT)))
                .isInstanceOf(HttpTimeoutException.class);

        assertMadeOnce(prompt);
        assertThat(simulator().faultCount(Endpoint.CREATE, Fault.CREATE_STALL)).isEqualTo(1);
    }

    @Test
    void aStalledCreateAnswersAClientThatWaitsLongEnough() throws Exception {
        always(Fault.CREATE_STALL);
        String prompt = prompt("A windmill");
        long start = System.nanoTime();

        HttpResponse<String> answer = send(create(prompt).timeout(STALL.multipliedBy(5)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(STALL);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("id")).isEqualTo(listed(prompt).getString("id"));
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
    }

    @Test
    void theCreateDelayMarkerHasMadeItsVideoAlthoughTheClientGaveUp() {
        String prompt = prompt("A grain silo " + SimulatorRoutes.createDelayMarker(STALL));

        assertThatThrownBy(() -> send(create(prompt).timeout(CLIENT_TIMEOUT)))
                .isInstanceOf(HttpTimeoutException.class);

        assertMadeOnce(prompt);
        // past the delay, the late answer has found the connection gone and changed nothing
        await().during(STALL.plusMillis(500)).atMost(STALL.multipliedBy(3))
                .until(() -> simulator().createCount(prompt) == 1);
        assertMadeOnce(prompt);
    }

    @Test
    void aRefusedCreateKeepsItsAnswerWhateverTheFault() throws Exception {
        always(Fault.CREATE_LOST_504);

        HttpResponse<String> answer = send(create(prompt("A kiosk"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"A kiosk\",\"seconds\":\"5\"}")));

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(simulator().createCount()).isZero();
    }

    private void assertGatewayTimeout(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).isEqualTo(504);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("text/html");
        assertThat(answer.body()).isEqualTo(SimulatorRoutes.GATEWAY_TIMEOUT_PAGE).doesNotContain("{");
    }

    /** The video is in the list and retrievable by its id, and it is the only create of its prompt. */
    private void assertMadeOnce(String prompt) {
        JsonObject entry = listed(prompt);
        assertThat(entry).as("list entry for " + prompt).isNotNull();
        HttpResponse<String> retrieved = sendUnchecked(get("/v1/videos/" + entry.getString("id")));
        assertThat(retrieved.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(retrieved.body()).getString("prompt")).isEqualTo(prompt);
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
    }

    /** The newest list entry with this prompt, or null. */
    private JsonObject listed(String prompt) {
        JsonArray data = new JsonObject(sendUnchecked(get("/v1/videos?limit=100")).body()).getJsonArray("data");
        for (int i = 0; i < data.size(); i++) {
            if (prompt.equals(data.getJsonObject(i).getString("prompt"))) {
                return data.getJsonObject(i);
            }
        }
        return null;
    }

    private static String prompt(String text) {
        return text + " " + UUID.randomUUID();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> sendUnchecked(HttpRequest.Builder request) {
        try {
            return send(request);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static URI uri(String path) {
        return URI.create(SIMULATOR.baseUrl() + path);
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY)
                .GET();
    }

    private static HttpRequest.Builder create(String prompt) {
        return HttpRequest.newBuilder(uri("/v1/videos"))
                .header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("prompt", prompt).encode()));
    }
}
