package dev.videoworker.simulator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The simulator inside the worker takes the longest prompt in every create body too: Quarkus's HTTP server has its
 * own, smaller form field limit (2 KiB), which the embedded simulator raises.
 */
@QuarkusTest
class SimulatorEmbeddedLongPromptTest extends WorkerTest {

    @Test
    void everyCreateBodyTakesTheLongestPrompt() {
        String prompt = SimulatorLongPromptTest.prompt(VideoSimulator.MAX_PROMPT_LENGTH);
        Map<String, Response> answers = Map.of(
                "json", api().contentType(ContentType.JSON).body(Map.of("prompt", prompt)).post("/v1/videos"),
                "multipart", api().multiPart(SimulatorLongPromptTest.utf8Part(prompt)).post("/v1/videos"),
                "urlencoded", api().contentType("application/x-www-form-urlencoded; charset=UTF-8")
                        .formParam("prompt", prompt).post("/v1/videos"));

        answers.forEach((body, created) -> {
            assertThat(created.statusCode()).as(body + ": " + created.asString()).isEqualTo(200);
            String stored = api().get("/v1/videos/" + created.jsonPath().getString("id")).jsonPath()
                    .getString("prompt");
            assertThat(stored.equals(prompt)).as("%s: prompt of %d chars came back with %d, first difference at %d",
                    body, prompt.length(), stored.length(), SimulatorLongPromptTest.firstDifference(prompt, stored))
                    .isTrue();
        });
        assertThat(simulator().createCount(prompt)).isEqualTo(3);
    }

    private static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + WorkerTestResources.PROVIDER_API_KEY);
    }
}
