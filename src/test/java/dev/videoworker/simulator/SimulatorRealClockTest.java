package dev.videoworker.simulator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.restassured.specification.RequestSpecification;

/** The timeline on the system clock, as a polling client sees it: queued, in progress, completed, downloadable. */
class SimulatorRealClockTest {

    private static final String KEY = "sk-real-clock";
    private static SimulatorServer server;

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = SimulatorServer.start(SimulatorSettings.defaults().withApiKey(KEY)
                .withDuration(Duration.ofSeconds(2)).withQueuedFraction(0.25).withFps(2), "127.0.0.1", 0);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void jobCompletesAfterTheConfiguredDurationAndServesItsVideo() {
        String id = api().multiPart("prompt", "A cat on the real clock").multiPart("size", "1280x720")
                .post("/v1/videos")
                .then().statusCode(200).body("status", equalTo("queued")).extract().path("id");

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> "in_progress".equals(api().get("/v1/videos/" + id).path("status")));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> "completed".equals(api().get("/v1/videos/" + id).path("status")));

        api().get("/v1/videos/" + id + "/content").then().statusCode(200).contentType("video/mp4");
    }

    private static RequestSpecification api() {
        return given().baseUri(server.baseUrl()).header("Authorization", "Bearer " + KEY);
    }
}
