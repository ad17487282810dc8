package dev.videoworker.simulator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Every endpoint and its error answers, over real HTTP against the standalone server, on a hand-moved clock. */
class SimulatorApiTest {

    private static final Duration DURATION = Duration.ofSeconds(60);

    @RegisterExtension
    static final SimulatorServerExtension SIMULATOR = new SimulatorServerExtension(SimulatorSettings.defaults()
            .withDuration(DURATION).withExpiresAfter(Duration.ofHours(1)).withFps(2));

    @Test
    void createsFromMultipartAsCurlSendsIt() {
        api().multiPart("model", "sora-2")
                .multiPart("prompt", "A golden retriever playing fetch on a sunny beach")
                .multiPart("size", "1280x720")
                .multiPart("seconds", "8")
                .post("/v1/videos")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("id", matchesPattern("video_[0-9a-f]{32}"))
                .body("object", equalTo("video"))
                .body("model", equalTo("sora-2"))
                .body("status", equalTo("queued"))
                .body("progress", equalTo(0))
                .body("size", equalTo("1280x720"))
                .body("seconds", equalTo("8"))
                .body("prompt", equalTo("A golden retriever playing fetch on a sunny beach"))
                .body("$", hasKey("completed_at")).body("completed_at", nullValue())
                .body("$", hasKey("expires_at")).body("expires_at", nullValue())
                .body("$", hasKey("remixed_from_video_id")).body("remixed_from_video_id", nullValue())
                .body("$", hasKey("error")).body("error", nullValue())
                .body("created_at", equalTo((int) SIMULATOR.clock().instant().getEpochSecond()));
        assertEquals(1, SIMULATOR.simulator().createCount("A golden retriever playing fetch on a sunny beach"));
    }

    @Test
    void createsFromAUrlencodedFormAsPythonRequestsSendsIt() {
        api().contentType("application/x-www-form-urlencoded")
                .formParam("model", "sora-2").formParam("prompt", "A cat").formParam("seconds", "8")
                .formParam("size", "1280x720")
                .post("/v1/videos")
                .then().statusCode(200).body("seconds", equalTo("8")).body("size", equalTo("1280x720"));
    }

    @Test
    void createsFromJsonWithTheApiDefaults() {
        api().contentType(ContentType.JSON).body(Map.of("prompt", "A calico cat playing a piano on stage"))
                .post("/v1/videos")
                .then().statusCode(200)
                .body("model", equalTo("sora-2")).body("size", equalTo("720x1280")).body("seconds", equalTo("4"));
    }

    @Test
    void rejectsSecondsSentAsAJsonNumber() {
        api().contentType(ContentType.JSON).body(Map.of("prompt", "A cat", "seconds", 8))
                .post("/v1/videos")
                .then().statusCode(400)
                .body("error.message",
                        equalTo("Invalid type for 'seconds': expected one of '4', '8', or '12', but got an integer"))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo("seconds"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "15"})
    void rejectsLegacyDurations(String seconds) {
        api().multiPart("prompt", "A cat").multiPart("seconds", seconds)
                .post("/v1/videos")
                .then().statusCode(400)
                .body("error.message",
                        equalTo("Invalid value: '" + seconds + "'. Supported values are: '4', '8', and '12'."))
                .body("error.param", equalTo("seconds"))
                .body("error.code", equalTo("invalid_value"));
        assertEquals(0, SIMULATOR.simulator().createCount());
    }

    @Test
    void rejectsASizeTheModelDoesNotOffer() {
        api().multiPart("model", "sora-2").multiPart("prompt", "A cat").multiPart("size", "1024x1792")
                .post("/v1/videos")
                .then().statusCode(400).body("error.param", equalTo("size"));
        api().multiPart("model", "sora-2-pro").multiPart("prompt", "A cat").multiPart("size", "1024x1792")
                .post("/v1/videos")
                .then().statusCode(200);
    }

    @Test
    void rejectsAnUnknownModel() {
        api().contentType(ContentType.JSON).body(Map.of("prompt", "A cat", "model", "sora-3"))
                .post("/v1/videos")
                .then().statusCode(400).body("error.param", equalTo("model"));
    }

    @Test
    void rejectsEmptyAndOversizedPrompts() {
        api().multiPart("prompt", "").post("/v1/videos")
                .then().statusCode(400).body("error.param", equalTo("prompt"))
                .body("error.code", equalTo("string_below_min_length"));
        api().contentType(ContentType.JSON).body(Map.of("prompt", "x".repeat(32_001))).post("/v1/videos")
                .then().statusCode(400).body("error.param", equalTo("prompt"))
                .body("error.code", equalTo("string_above_max_length"));
        api().contentType(ContentType.JSON).body(Map.of("model", "sora-2")).post("/v1/videos")
                .then().statusCode(400).body("error.message", equalTo("Missing required parameter: 'prompt'."));
    }

    @Test
    void acceptsAReferenceImageOfTheRequestedSize() throws IOException {
        api().multiPart("prompt", "The scene comes alive").multiPart("size", "1280x720")
                .multiPart("input_reference", "reference.png", png(1280, 720), "image/png")
                .post("/v1/videos")
                .then().statusCode(200).body("size", equalTo("1280x720"));
    }

    @Test
    void rejectsAReferenceImageOfAnotherSize() throws IOException {
        api().multiPart("prompt", "The scene comes alive").multiPart("size", "1280x720")
                // declared as JPEG like the seed's Python example does; the simulator sniffs the real format
                .multiPart("input_reference", "reference.jpg", png(720, 1280), "image/jpeg")
                .post("/v1/videos")
                .then().statusCode(400)
                .body("error.message", equalTo("Inpaint image must match the requested width and height"))
                .body("error.param", equalTo("input_reference"));
    }

    @Test
    void acceptsAReferenceImageAsAJsonDataUrl() throws IOException {
        String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(png(720, 1280));
        api().contentType(ContentType.JSON)
                .body(Map.of("prompt", "A cat", "input_reference", Map.of("image_url", dataUrl)))
                .post("/v1/videos")
                .then().statusCode(200);
    }

    @Test
    void rejectsAnUnknownFileId() {
        api().contentType(ContentType.JSON)
                .body(Map.of("prompt", "A cat", "input_reference", Map.of("file_id", "file-123")))
                .post("/v1/videos")
                .then().statusCode(400).body("error.param", equalTo("input_reference.file_id"));
    }

    @Test
    void rejectsAReferenceThatIsNotAnImage() {
        api().multiPart("prompt", "A cat")
                .multiPart("input_reference", "notes.txt", "hello".getBytes(StandardCharsets.UTF_8), "text/plain")
                .post("/v1/videos")
                .then().statusCode(400).body("error.param", equalTo("input_reference"));
    }

    @Test
    void rejectsUnknownParametersAndContentTypes() {
        api().contentType(ContentType.JSON).body(Map.of("prompt", "A cat", "duration", "4"))
                .post("/v1/videos")
                .then().statusCode(400).body("error.code", equalTo("unknown_parameter"))
                .body("error.param", equalTo("duration"));
        api().contentType(ContentType.TEXT).body("prompt=A cat")
                .post("/v1/videos")
                .then().statusCode(415).body("error.type", equalTo("invalid_request_error"));
        api().contentType(ContentType.JSON).body("{not json")
                .post("/v1/videos")
                .then().statusCode(400).body("error.type", equalTo("invalid_request_error"));
    }

    @Test
    void rejectsBodiesOverTheLimit() {
        byte[] huge = new byte[(int) SimulatorRoutes.BODY_LIMIT + 1024];
        api().multiPart("prompt", "A cat").multiPart("input_reference", "huge.png", huge, "image/png")
                .post("/v1/videos")
                .then().statusCode(413).body("error.code", equalTo("request_too_large"));
    }

    @Test
    void answers401WithoutTheRightKey() {
        String body = given().baseUri(SIMULATOR.baseUrl()).get("/v1/videos")
                .then().statusCode(401)
                .body("error.message", equalTo("Incorrect API key provided."))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_api_key"))
                .extract().asString();
        assertFalse(body.isEmpty());
        String wrong = given().baseUri(SIMULATOR.baseUrl()).header("Authorization", "Bearer sk-wrong-key-123")
                .multiPart("prompt", "A cat").post("/v1/videos")
                .then().statusCode(401).body("error.code", equalTo("invalid_api_key"))
                .extract().asString();
        assertFalse(wrong.contains("sk-wrong-key-123"));
        assertEquals(0, SIMULATOR.simulator().createCount());
    }

    @Test
    void answers404ForAnUnknownVideo() {
        String id = "video_00000000000000000000000000000000";
        api().get("/v1/videos/" + id).then().statusCode(404)
                .body("error.code", equalTo("video_not_found")).body("error.type", equalTo("invalid_request_error"));
        api().delete("/v1/videos/" + id).then().statusCode(404);
        api().get("/v1/videos/" + id + "/content").then().statusCode(404);
        api().contentType(ContentType.JSON).body(Map.of("prompt", "x")).post("/v1/videos/" + id + "/remix")
                .then().statusCode(404);
        api().get("/v1/videos/" + id + "/nothing").then().statusCode(404).body("error.type",
                equalTo("invalid_request_error"));
    }

    @Test
    void retrievesTheTimelineOfAJob() {
        String id = create("A cat", "1280x720");
        SIMULATOR.clock().advance(DURATION.dividedBy(2));
        api().get("/v1/videos/" + id).then().statusCode(200)
                .body("status", equalTo("in_progress")).body("progress", equalTo(45));
        SIMULATOR.clock().advance(DURATION.dividedBy(2));
        long completed = SIMULATOR.clock().instant().getEpochSecond();
        api().get("/v1/videos/" + id).then().statusCode(200)
                .body("status", equalTo("completed")).body("progress", equalTo(100))
                .body("completed_at", equalTo((int) completed))
                .body("expires_at", equalTo((int) completed + 3600));
    }

    @Test
    void listsNewestFirstAndPagesWithAfter() {
        String first = create("one", "720x1280");
        String second = create("two", "720x1280");
        String third = create("three", "720x1280");

        Response page = api().queryParam("limit", 2).get("/v1/videos");
        page.then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", equalTo(List.of(third, second)))
                .body("first_id", equalTo(third)).body("last_id", equalTo(second))
                .body("has_more", equalTo(true));
        api().queryParam("limit", 2).queryParam("after", page.path("last_id").toString()).get("/v1/videos")
                .then().statusCode(200)
                .body("data.id", equalTo(List.of(first))).body("has_more", equalTo(false));
        api().queryParam("order", "asc").get("/v1/videos")
                .then().statusCode(200).body("data.id", equalTo(List.of(first, second, third)));
        api().queryParam("limit", 0).get("/v1/videos")
                .then().statusCode(200).body("data", equalTo(List.of())).body("first_id", nullValue())
                .body("has_more", equalTo(true));
        api().queryParam("limit", 101).get("/v1/videos").then().statusCode(400).body("error.param", equalTo("limit"));
        api().queryParam("order", "newest").get("/v1/videos").then().statusCode(400)
                .body("error.param", equalTo("order"));
    }

    @Test
    void deletesAFinishedVideoAndThenAnswers404() {
        String id = create("A cat", "720x1280");
        api().delete("/v1/videos/" + id).then().statusCode(400);
        SIMULATOR.clock().advance(DURATION);

        api().delete("/v1/videos/" + id).then().statusCode(200)
                .body("object", equalTo("video.deleted")).body("deleted", equalTo(true)).body("id", equalTo(id));
        api().get("/v1/videos/" + id).then().statusCode(404);
    }

    @ParameterizedTest
    @CsvSource({"video, video/mp4", "thumbnail, image/webp", "spritesheet, image/jpeg"})
    void servesEachVariantAfterCompletion(String variant, String contentType) {
        String id = create("A cat", "720x1280");
        SIMULATOR.clock().advance(DURATION);

        Response response = api().queryParam("variant", variant).get("/v1/videos/" + id + "/content");

        response.then().statusCode(200).contentType(contentType);
        byte[] bytes = response.asByteArray();
        assertEquals(String.valueOf(bytes.length), response.header("Content-Length"));
        switch (variant) {
            case "video" -> assertEquals("ftyp", new String(bytes, 4, 4, StandardCharsets.US_ASCII));
            case "thumbnail" -> assertEquals("RIFF....WEBP", new String(bytes, 0, 4, StandardCharsets.US_ASCII)
                    + "...." + new String(bytes, 8, 4, StandardCharsets.US_ASCII));
            default -> assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff},
                    Arrays.copyOf(bytes, 3));
        }
    }

    @Test
    void spreadsTheContentOverTheTimeTheSlowContentMarkerAsks() {
        String normal = create("A cat", "720x1280");
        String slow = create("A cat [simulate:slow-content=PT2S]", "720x1280");
        SIMULATOR.clock().advance(DURATION);
        byte[] expected = api().get("/v1/videos/" + normal + "/content").then().statusCode(200).extract()
                .asByteArray();

        long start = System.nanoTime();
        Response response = api().get("/v1/videos/" + slow + "/content");
        byte[] bytes = response.asByteArray();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        response.then().statusCode(200).contentType("video/mp4")
                .header("Content-Length", String.valueOf(expected.length));
        assertArrayEquals(expected, bytes);
        // one chunk per 100 ms tick, the first at once: about 1.9 s for 2 s; a fast answer means no throttling
        assertTrue(took.compareTo(Duration.ofMillis(1500)) >= 0, "took " + took);
    }

    @Test
    void servesTheVideoWhenNoVariantIsGiven() {
        String id = create("A cat", "720x1280");
        SIMULATOR.clock().advance(DURATION);

        api().get("/v1/videos/" + id + "/content").then().statusCode(200).contentType("video/mp4");
        api().queryParam("variant", "poster").get("/v1/videos/" + id + "/content").then().statusCode(400)
                .body("error.param", equalTo("variant"));
    }

    @Test
    void refusesContentBeforeCompletion() {
        String id = create("A cat", "720x1280");

        api().get("/v1/videos/" + id + "/content").then().statusCode(400)
                .body("error.code", equalTo("video_not_ready"));
    }

    @Test
    void answers404ForContentAfterExpiry() {
        String id = create("A cat", "720x1280");
        SIMULATOR.clock().advance(DURATION.plusHours(1));

        api().get("/v1/videos/" + id + "/content").then().statusCode(404)
                .body("error.code", equalTo("video_expired"));
    }

    @Test
    void failsAModeratedPromptWithTheProviderMessage() {
        String id = create("A cat [simulate:moderation]", "720x1280");
        SIMULATOR.clock().advance(DURATION);

        api().get("/v1/videos/" + id).then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("error.code", equalTo("moderation_blocked"))
                .body("error.message", equalTo("Your request was blocked by our moderation system."));
        api().get("/v1/videos/" + id + "/content").then().statusCode(400);
    }

    @Test
    void remixesACompletedVideoFromJsonOrMultipart() {
        String source = create("A cat", "1280x720");
        api().contentType(ContentType.JSON).body(Map.of("prompt", "Now a dog")).post("/v1/videos/" + source + "/remix")
                .then().statusCode(400);
        SIMULATOR.clock().advance(DURATION);

        api().contentType(ContentType.JSON).body(Map.of("prompt", "Now a dog")).post("/v1/videos/" + source + "/remix")
                .then().statusCode(200)
                .body("id", not(equalTo(source)))
                .body("remixed_from_video_id", equalTo(source))
                .body("status", equalTo("queued")).body("size", equalTo("1280x720"))
                .body("prompt", equalTo("Now a dog"));
        api().multiPart("prompt", "Now a horse").post("/v1/videos/" + source + "/remix")
                .then().statusCode(200).body("remixed_from_video_id", equalTo(source));
        api().contentType(ContentType.JSON).body(Map.of()).post("/v1/videos/" + source + "/remix")
                .then().statusCode(400).body("error.param", equalTo("prompt"));
    }

    @Test
    void rateLimitMarkerAnswers429WithRetryAfter() {
        api().multiPart("prompt", "A cat " + VideoSimulator.RATE_LIMIT_MARKER).post("/v1/videos")
                .then().statusCode(429)
                .header("Retry-After", "1").header("retry-after-ms", "1000")
                .body("error.code", equalTo("rate_limit_exceeded"));
        assertEquals(0, SIMULATOR.simulator().createCount());
    }

    @Test
    void lostResponseMarkerCreatesTheJobButAnswers500() {
        String prompt = "A cat " + VideoSimulator.LOST_RESPONSE_MARKER;
        api().multiPart("prompt", prompt).post("/v1/videos")
                .then().statusCode(500).body("error.type", equalTo("server_error"));

        assertEquals(1, SIMULATOR.simulator().createCount(prompt));
        api().queryParam("limit", 1).get("/v1/videos").then().statusCode(200).body("data[0].prompt", equalTo(prompt));
    }

    private static RequestSpecification api() {
        return given().baseUri(SIMULATOR.baseUrl())
                .header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY);
    }

    private static String create(String prompt, String size) {
        String id = api().multiPart("prompt", prompt).multiPart("size", size).post("/v1/videos")
                .then().statusCode(200).extract().path("id");
        // distinct creation instants, as real requests have
        SIMULATOR.clock().advance(Duration.ofMillis(10));
        return id;
    }

    private static byte[] png(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }
}
