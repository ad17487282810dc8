package dev.videoworker.simulator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.restassured.builder.MultiPartSpecBuilder;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.MultiPartSpecification;
import io.restassured.specification.RequestSpecification;

/**
 * The longest prompt the API accepts (32,000 characters) goes through every create body the API accepts, on the
 * standalone server; the first character past it is refused with the API's 400, not a server error.
 */
class SimulatorLongPromptTest {

    @RegisterExtension
    static final SimulatorServerExtension SIMULATOR = new SimulatorServerExtension(SimulatorSettings.defaults()
            .withDuration(Duration.ofSeconds(60)).withFps(2));

    /** Exactly {@code codePoints} characters, many of them several bytes long in UTF-8 and in a urlencoded form. */
    static String prompt(int codePoints) {
        int[] words = "A lighthouse at dusk, \u00e9t\u00e9 \u6d77\u8fba \ud83c\udfac ".codePoints().toArray();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            text.appendCodePoint(words[i % words.length]);
        }
        return text.toString();
    }

    @Test
    void aJsonCreateTakesTheLongestPrompt() {
        String prompt = prompt(VideoSimulator.MAX_PROMPT_LENGTH);
        assertCreatedIntact(api().contentType(ContentType.JSON).body(Map.of("prompt", prompt)).post("/v1/videos"),
                prompt);
    }

    @Test
    void aMultipartCreateTakesTheLongestPrompt() {
        String prompt = prompt(VideoSimulator.MAX_PROMPT_LENGTH);
        assertCreatedIntact(api().multiPart("model", "sora-2").multiPart(utf8Part(prompt)).post("/v1/videos"),
                prompt);
    }

    @Test
    void aUrlencodedCreateTakesTheLongestPrompt() {
        String prompt = prompt(VideoSimulator.MAX_PROMPT_LENGTH);
        assertCreatedIntact(api().contentType("application/x-www-form-urlencoded; charset=UTF-8")
                .formParam("model", "sora-2").formParam("prompt", prompt).post("/v1/videos"), prompt);
    }

    @Test
    void oneCharacterMoreIsTheApisValidationErrorInEveryBody() {
        String prompt = prompt(VideoSimulator.MAX_PROMPT_LENGTH + 1);
        for (Response response : new Response[] {
                api().contentType(ContentType.JSON).body(Map.of("prompt", prompt)).post("/v1/videos"),
                api().multiPart(utf8Part(prompt)).post("/v1/videos"),
                api().contentType("application/x-www-form-urlencoded; charset=UTF-8").formParam("prompt", prompt)
                        .post("/v1/videos")}) {
            assertThat(response.statusCode()).as(response.asString()).isEqualTo(400);
            assertThat(response.jsonPath().getString("error.code")).isEqualTo("string_above_max_length");
        }
        assertThat(SIMULATOR.simulator().createCount()).isZero();
    }

    private static void assertCreatedIntact(Response created, String prompt) {
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(200);
        String id = created.jsonPath().getString("id");
        Response retrieved = api().get("/v1/videos/" + id);
        assertThat(retrieved.statusCode()).isEqualTo(200);
        String stored = retrieved.jsonPath().getString("prompt");
        // the prompts are too long to print: say where they differ
        assertThat(stored.equals(prompt)).as("prompt of %d chars came back with %d, first difference at %d",
                prompt.length(), stored.length(), firstDifference(prompt, stored)).isTrue();
        assertThat(SIMULATOR.simulator().createCount(prompt)).isEqualTo(1);
    }

    /** RestAssured sends text parts as ISO-8859-1 unless told otherwise, as a careless client would. */
    static MultiPartSpecification utf8Part(String prompt) {
        return new MultiPartSpecBuilder(prompt).controlName("prompt").mimeType("text/plain").charset("UTF-8")
                .build();
    }

    static int firstDifference(String a, String b) {
        int i = 0;
        while (i < Math.min(a.length(), b.length()) && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static RequestSpecification api() {
        return given().baseUri(SIMULATOR.baseUrl())
                .header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY);
    }
}
