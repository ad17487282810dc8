package dev.videoworker.simulator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A provider whose list is eventually consistent or leaves prompts out, over real HTTP on the system clock (the lag
 * is real time, as a polling client lives it).
 */
class SimulatorListFaultsTest {

    private static final String KEY = "sk-list-faults";
    private static final Duration LAG = Duration.ofMillis(1500);
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static SimulatorServer server;

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = SimulatorServer.start(SimulatorSettings.defaults().withApiKey(KEY)
                .withDuration(Duration.ofSeconds(60)).withFps(2), "127.0.0.1", 0);
    }

    @BeforeEach
    void forgetJobs() {
        server.simulator().reset();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aLaggingListShowsAVideoOnlyOnceTheLagHasPassedWhileRetrieveFindsItAtOnce() {
        String before = create("A quay, made before the lag");
        server.simulator().faults(FaultSettings.none().withListLag(LAG));
        long start = System.nanoTime();

        String id = create("A quay at dawn");

        assertThat(listedIds()).contains(before).doesNotContain(id);
        api().get("/v1/videos/" + id).then().statusCode(200);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> listedIds().contains(id));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(LAG);
        assertThat(server.simulator().createCount()).isEqualTo(2);
    }

    @Test
    void theListLagMarkerDelaysOnlyItsOwnVideo() {
        long start = System.nanoTime();
        String lagging = create("A quay at dusk " + VideoSimulator.listLagMarker(LAG));
        String plain = create("A quay at noon");

        assertThat(listedIds()).contains(plain).doesNotContain(lagging);
        api().get("/v1/videos/" + lagging).then().statusCode(200);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> listedIds().contains(lagging));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(LAG);
    }

    @Test
    void listEntriesLeaveOutThePromptWhileTheSettingIsOn() {
        String id = create("A ferris wheel");
        server.simulator().faults(FaultSettings.none().withListOmitsPrompt(true));

        JsonObject entry = listEntry(id);
        assertThat(entry.containsKey("prompt")).as(entry.encode()).isFalse();
        assertThat(entry.getString("status")).isEqualTo("queued");
        assertThat(api().get("/v1/videos/" + id).path("prompt").toString()).startsWith("A ferris wheel");

        server.simulator().faults(FaultSettings.none());
        assertThat(listEntry(id).getString("prompt")).startsWith("A ferris wheel");
    }

    @Test
    void theListOmitsPromptMarkerLeavesOutOnlyItsOwnPrompt() {
        String hidden = create("A carousel " + VideoSimulator.LIST_OMITS_PROMPT_MARKER);
        String shown = create("A carousel at night");

        assertThat(listEntry(hidden).containsKey("prompt")).isFalse();
        assertThat(listEntry(shown).getString("prompt")).startsWith("A carousel at night");
        assertThat(api().get("/v1/videos/" + hidden).path("prompt").toString())
                .contains(VideoSimulator.LIST_OMITS_PROMPT_MARKER);
    }

    @Test
    void aGoneCursorIsAnswered404ForThePageAfterItWhileTheFirstPageIsAlwaysServed() {
        String older = create("A lighthouse");
        String newer = create("A lighthouse in fog");
        server.simulator().faults(FaultSettings.none().withRate(Fault.LIST_CURSOR_GONE, 1.0));

        assertThat(listedIds()).as("the first page has no cursor to lose").containsSubsequence(newer, older);
        String error = api().get("/v1/videos?limit=1&after=" + newer).then().statusCode(404)
                .extract().path("error.message");
        assertThat(error).contains(newer);
        assertThat(server.simulator().faultCount(Fault.LIST_CURSOR_GONE)).isEqualTo(1);
        api().get("/v1/videos/" + newer).then().statusCode(200);
    }

    /** Creates a video over HTTP and answers its id. */
    private static String create(String prompt) {
        return api().contentType(ContentType.JSON).body(Map.of("prompt", prompt + " " + UUID.randomUUID()))
                .post("/v1/videos").then().statusCode(200).extract().path("id");
    }

    private static List<String> listedIds() {
        return page().stream().map(entry -> ((JsonObject) entry).getString("id")).toList();
    }

    private static JsonObject listEntry(String id) {
        return page().stream().map(JsonObject.class::cast).filter(entry -> id.equals(entry.getString("id")))
                .findFirst().orElseThrow(() -> new AssertionError(id + " is not listed"));
    }

    private static JsonArray page() {
        return new JsonObject(api().get("/v1/videos?limit=100").then().statusCode(200).extract().asString())
                .getJsonArray("data");
    }

    private static RequestSpecification api() {
        return given().baseUri(server.baseUrl()).header("Authorization", "Bearer " + KEY);
    }
}
