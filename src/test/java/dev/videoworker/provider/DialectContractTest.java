package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Each dialect against example answers written from the provider notes ({@code src/test/resources/dialects/}), and
 * the create bodies it sends, read back as the provider would read them. No HTTP, no Quarkus.
 */
class DialectContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG = { (byte) 0x89, 'P', 'N', 'G', 1, 2, 3 };
    private static final String PNG_DATA_URL = "data:image/png;base64," + Base64.getEncoder().encodeToString(PNG);
    private static final VideosClient.CreateVideo TEXT = new VideosClient.CreateVideo("sora-2",
            "A paper boat on a rain gutter", "1280x720", "8", null, null, null);
    private static final VideosClient.CreateVideo IMAGE = new VideosClient.CreateVideo("sora-2",
            "The boat sails off", "720x1280", "4", PNG, "first.png", "image/png");

    private final Dialect openAi = Dialects.named("openai");
    private final Dialect openRouter = Dialects.named("openrouter");
    private final Dialect together = Dialects.named("together");
    private final Dialect urlResult = Dialects.named("url-result");

    @Test
    void everyDialectIsKnownByItsConfigurationName() {
        for (String name : new String[] {"openai", "openrouter", "together", "url-result"}) {
            assertThat(Dialects.named(name).name()).isEqualTo(name);
        }
        assertThat(Dialects.named(" Together ").name()).isEqualTo("together");
        assertThatThrownBy(() -> Dialects.named("veo")).hasMessageContaining("openrouter, together, url-result");
    }

    @Test
    void openAiSendsAMultipartCreateWithTheImageAsAFile() {
        Dialect.Call call = openAi.create(IMAGE, "https://worker.example/callback");
        assertThat(call.path()).isEqualTo("/v1/videos");
        Map<String, Part> form = multipart(call);
        assertThat(form.keySet()).containsExactly("model", "prompt", "size", "seconds", "input_reference");
        assertThat(form.get("seconds").text()).isEqualTo("4");
        assertThat(form.get("input_reference").fileName()).isEqualTo("first.png");
        assertThat(form.get("input_reference").contentType()).isEqualTo("image/png");
        assertThat(form.get("input_reference").bytes()).isEqualTo(PNG);
    }

    @Test
    void openAiMapsEveryStageOfAVideo() throws IOException {
        ProviderVideo created = openAi.video(body("openai/create.json"), Duration.ofSeconds(3));
        assertThat(created.id()).isEqualTo("video_68d7512d07848190b3e45da0ecbebcde");
        assertThat(created.status()).isEqualTo(ProviderStatus.QUEUED);
        assertThat(created.pollAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(created.createdAt()).isEqualTo(Instant.ofEpochSecond(1764867600));

        ProviderVideo running = openAi.video(body("openai/in-progress.json"), null);
        assertThat(running.status()).isEqualTo(ProviderStatus.IN_PROGRESS);
        assertThat(running.progress()).isEqualTo(37);

        ProviderVideo done = openAi.video(body("openai/completed.json"), null);
        assertThat(done.status()).isEqualTo(ProviderStatus.COMPLETED);
        assertThat(done.expiresAt()).isEqualTo(Instant.ofEpochSecond(1764871312));
        assertThat(done.size()).isEqualTo("1280x720");
        assertThat(done.seconds()).isEqualTo("4");
        assertThat(done.resultUrl()).isNull();
        assertThat(openAi.contentPath(done.id(), null)).isEqualTo("/v1/videos/" + done.id() + "/content");
        assertThat(openAi.contentPath(done.id(), "thumbnail")).endsWith("/content?variant=thumbnail");

        ProviderVideo failed = openAi.video(body("openai/failed.json"), null);
        assertThat(failed.status()).isEqualTo(ProviderStatus.FAILED);
        assertThat(failed.errorCode()).isEqualTo("moderation_blocked");
        assertThat(failed.errorMessage()).contains("moderation");
    }

    @Test
    void openAiReadsAPageOfTheListAndTheErrorEnvelope() throws IOException {
        Dialect.Page page = openAi.page(body("openai/page.json"));
        assertThat(page.videos()).extracting(ProviderVideo::id).containsExactly("video_b2", "video_b1");
        assertThat(page.videos().get(1).model()).isEqualTo("sora-2-pro");
        assertThat(page.videos().get(0).prompt()).isEqualTo("Second");
        assertThat(page.hasMore()).isTrue();
        assertThat(page.lastId()).isEqualTo("video_b1");

        Dialect.ErrorWords error = openAi.error(body("openai/error.json"));
        assertThat(error.code()).isEqualTo("invalid_value");
        assertThat(error.message()).startsWith("Invalid value: '1920x1080'");
    }

    @Test
    void openRouterSaysWhatItCanAndCannotDo() {
        assertThat(openRouter.capabilities()).isEqualTo(new Dialect.Capabilities(false, false, true, false, true,
                false));
    }

    @Test
    void openRouterSendsJsonWithAnIntegerDurationTheImageAsFirstFrameAndTheCallback() throws IOException {
        Dialect.Call call = openRouter.create(IMAGE, "https://worker.example/callbacks/openrouter?job=j-1");
        assertThat(call.path()).isEqualTo("/api/v1/videos");
        assertThat(call.contentType()).isEqualTo("application/json");
        JsonNode body = JSON.readTree(call.body());
        assertThat(fieldNames(body)).containsExactly("model", "prompt", "duration", "size", "frame_images",
                "callback_url");
        assertThat(body.get("duration").isInt()).isTrue();
        assertThat(body.get("duration").intValue()).isEqualTo(4);
        assertThat(body.get("size").asText()).isEqualTo("720x1280");
        assertThat(body.get("callback_url").asText())
                .isEqualTo("https://worker.example/callbacks/openrouter?job=j-1");
        JsonNode frame = body.get("frame_images").get(0);
        assertThat(body.get("frame_images").size()).isEqualTo(1);
        assertThat(frame.get("type").asText()).isEqualTo("image_url");
        assertThat(frame.get("image_url").get("url").asText()).isEqualTo(PNG_DATA_URL);
        assertThat(frame.get("frame_type").asText()).isEqualTo("first_frame");
    }

    @Test
    void openRouterLeavesOutTheImageAndTheCallbackWhenThereAreNone() throws IOException {
        JsonNode body = JSON.readTree(openRouter.create(TEXT, null).body());
        assertThat(fieldNames(body)).containsExactly("model", "prompt", "duration", "size");
        assertThat(body.get("duration").intValue()).isEqualTo(8);
    }

    @Test
    void openRouterMapsEveryStageWithoutProgressAndReadsTheCost() throws IOException {
        ProviderVideo created = openRouter.video(body("openrouter/create.json"), null);
        assertThat(created.id()).isEqualTo("vgen_01KBQ3X8R2M5");
        assertThat(created.status()).isEqualTo(ProviderStatus.QUEUED);
        assertThat(created.rawStatus()).isEqualTo("pending");
        assertThat(created.progress()).isNull();

        ProviderVideo running = openRouter.video(body("openrouter/in-progress.json"), null);
        assertThat(running.status()).isEqualTo(ProviderStatus.IN_PROGRESS);
        assertThat(running.progress()).isNull();
        assertThat(running.costUsd()).isNull();

        ProviderVideo done = openRouter.video(body("openrouter/completed.json"), null);
        assertThat(done.status()).isEqualTo(ProviderStatus.COMPLETED);
        assertThat(done.costUsd()).isEqualByComparingTo("0.8");
        assertThat(done.expiresAt()).isEqualTo(Instant.parse("2026-12-05T18:30:00Z"));
        assertThat(done.resultUrl()).as("the video comes from the content endpoint, with the key").isNull();
        assertThat(openRouter.contentPath(done.id(), null)).isEqualTo("/api/v1/videos/vgen_01KBQ3X8R2M5/content"
                + "?index=0");
        assertThatThrownBy(() -> openRouter.contentPath(done.id(), "thumbnail")).isInstanceOf(
                ProviderException.class);

        ProviderVideo failed = openRouter.video(body("openrouter/failed.json"), null);
        assertThat(failed.status()).isEqualTo(ProviderStatus.FAILED);
        assertThat(failed.errorCode()).isNull();
        assertThat(failed.errorMessage()).isEqualTo("The upstream provider refused the prompt.");
        assertThat(failed.costUsd()).isNull();
    }

    @Test
    void openRouterTreatsCancelledAndExpiredAsFinal() throws IOException {
        for (String status : new String[] {"cancelled", "expired"}) {
            ProviderVideo v = openRouter.video(JSON.readTree("{\"id\":\"vgen_x\",\"status\":\"" + status + "\"}"),
                    null);
            assertThat(v.status()).isIn(ProviderStatus.CANCELLED, ProviderStatus.EXPIRED);
        }
    }

    @Test
    void openRouterReadsTheErrorEnvelopeWithItsIntegerCode() throws IOException {
        Dialect.ErrorWords error = openRouter.error(body("openrouter/error.json"));
        assertThat(error.code()).isEqualTo("402");
        assertThat(error.message()).startsWith("Insufficient credits");
    }

    @Test
    void togetherSaysWhatItCanAndCannotDo() {
        assertThat(together.capabilities()).isEqualTo(new Dialect.Capabilities(false, false, false, false, false,
                false));
    }

    @Test
    void togetherSendsJsonWithWidthHeightStringSecondsAndTheImageAsMediaFirstFrame() throws IOException {
        Dialect.Call call = together.create(IMAGE, "https://worker.example/ignored");
        assertThat(call.path()).isEqualTo("/v2/videos");
        assertThat(call.contentType()).isEqualTo("application/json");
        JsonNode body = JSON.readTree(call.body());
        assertThat(fieldNames(body)).containsExactly("model", "prompt", "width", "height", "seconds", "media");
        assertThat(body.get("width").isInt()).isTrue();
        assertThat(body.get("width").intValue()).isEqualTo(720);
        assertThat(body.get("height").intValue()).isEqualTo(1280);
        assertThat(body.get("seconds").isTextual()).isTrue();
        assertThat(body.get("seconds").asText()).isEqualTo("4");
        JsonNode frame = body.get("media").get("frame_images").get(0);
        assertThat(frame.get("input_image").asText()).isEqualTo(PNG_DATA_URL);
        assertThat(frame.get("frame").asText()).isEqualTo("first");

        assertThat(fieldNames(JSON.readTree(together.create(TEXT, null).body()))).containsExactly("model",
                "prompt", "width", "height", "seconds");
    }

    @Test
    void togetherMapsEveryStageAndTakesTheResultUrlAndCostFromOutputs() throws IOException {
        ProviderVideo created = together.video(body("together/create.json"), null);
        assertThat(created.id()).isEqualTo("019ae3c2-5b1f-7c0e-9d42-1f2e3a4b5c6d");
        assertThat(created.status()).isEqualTo(ProviderStatus.QUEUED);
        assertThat(created.model()).isEqualTo("openai/sora-2");

        ProviderVideo running = together.video(body("together/in-progress.json"), null);
        assertThat(running.status()).isEqualTo(ProviderStatus.IN_PROGRESS);
        assertThat(running.progress()).isNull();
        assertThat(running.resultUrl()).isNull();

        ProviderVideo done = together.video(body("together/completed.json"), null);
        assertThat(done.status()).isEqualTo(ProviderStatus.COMPLETED);
        assertThat(done.costUsd()).isEqualByComparingTo("0.4");
        assertThat(done.resultUrl()).isEqualTo("https://files.together.example/videos/019ae3c2.mp4"
                + "?X-Amz-Signature=abc123");
        assertThat(done.size()).isEqualTo("1280x720");
        assertThat(done.seconds()).isEqualTo("4");
        assertThat(done.completedAt()).isEqualTo(Instant.ofEpochSecond(1764867705));

        ProviderVideo failed = together.video(body("together/failed.json"), null);
        assertThat(failed.status()).isEqualTo(ProviderStatus.FAILED);
        assertThat(failed.errorCode()).isEqualTo("content_policy_violation");
        assertThat(failed.errorMessage()).contains("safety");

        Dialect.ErrorWords error = together.error(body("together/error.json"));
        assertThat(error.code()).isEqualTo("invalid_request_error");
        assertThat(error.message()).isEqualTo("seconds must be one of 4, 8, 12");
    }

    @Test
    void urlResultSaysWhatItCanAndCannotDo() {
        assertThat(urlResult.capabilities()).isEqualTo(new Dialect.Capabilities(false, false, false, true, false,
                false));
    }

    @Test
    void urlResultSendsOpenAisMultipartCreate() {
        Dialect.Call call = urlResult.create(IMAGE, "https://worker.example/ignored");
        assertThat(call.path()).isEqualTo("/v1/videos");
        Map<String, Part> form = multipart(call);
        assertThat(form.keySet()).containsExactly("model", "prompt", "size", "seconds", "input_reference");
        assertThat(form.get("seconds").text()).isEqualTo("4");
        assertThat(form.get("input_reference").bytes()).isEqualTo(PNG);
    }

    @Test
    void urlResultReadsPercentProgressAndTheResultUrlFromEitherField() throws IOException {
        ProviderVideo created = urlResult.video(body("url-result/create.json"), null);
        assertThat(created.status()).isEqualTo(ProviderStatus.QUEUED);
        assertThat(created.progress()).isZero();

        ProviderVideo running = urlResult.video(body("url-result/in-progress.json"), null);
        assertThat(running.status()).isEqualTo(ProviderStatus.IN_PROGRESS);
        assertThat(running.progress()).isEqualTo(45);

        ProviderVideo done = urlResult.video(body("url-result/completed.json"), null);
        assertThat(done.status()).isEqualTo(ProviderStatus.COMPLETED);
        assertThat(done.rawStatus()).isEqualTo("succeeded");
        assertThat(done.progress()).isEqualTo(100);
        assertThat(done.resultUrl()).isEqualTo("https://cdn.relay.example/v/task_7Qm2ZkX1.mp4");
        assertThat(done.costUsd()).isNull();

        ProviderVideo other = urlResult.video(body("url-result/completed-video-url.json"), null);
        assertThat(other.status()).isEqualTo(ProviderStatus.COMPLETED);
        assertThat(other.rawStatus()).isEqualTo("success");
        assertThat(other.resultUrl()).as("video_url wins over metadata.url")
                .isEqualTo("https://cdn.relay.example/v/task_8Rn3AlY2.mp4");

        ProviderVideo failed = urlResult.video(body("url-result/failed.json"), null);
        assertThat(failed.status()).isEqualTo(ProviderStatus.FAILED);
        assertThat(failed.errorCode()).isEqualTo("upstream_error");
        assertThat(failed.resultUrl()).isNull();

        Dialect.ErrorWords error = urlResult.error(body("url-result/error.json"));
        assertThat(error.code()).isEqualTo("model_not_found");
        assertThat(error.message()).isEqualTo("no available channel for model sora-2");
    }

    private static JsonNode body(String resource) throws IOException {
        try (InputStream in = DialectContractTest.class.getResourceAsStream("/dialects/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            return JSON.readTree(in);
        }
    }

    private static List<String> fieldNames(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** One part of a form: its file name and content type (null for text parts) and its bytes. */
    private record Part(String fileName, String contentType, byte[] bytes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** Reads a multipart body back into its parts, by name, in order (ISO-8859-1 keeps every byte as one char). */
    private static Map<String, Part> multipart(Dialect.Call call) {
        assertThat(call.contentType()).startsWith("multipart/form-data; boundary=");
        String boundary = call.contentType().substring(call.contentType().indexOf('=') + 1);
        String body = new String(call.body(), StandardCharsets.ISO_8859_1);
        assertThat(body).endsWith("--" + boundary + "--\r\n");
        Map<String, Part> parts = new LinkedHashMap<>();
        for (String chunk : body.split("--" + Pattern.quote(boundary))) {
            if (chunk.isEmpty() || chunk.startsWith("--")) {
                continue;
            }
            int headersEnd = chunk.indexOf("\r\n\r\n");
            String headers = chunk.substring(2, headersEnd);
            String content = chunk.substring(headersEnd + 4, chunk.length() - 2);
            String name = between(headers, "name=\"", "\"");
            String fileName = headers.contains("filename=\"") ? between(headers, "filename=\"", "\"") : null;
            String type = fileName == null ? null : headers.substring(headers.indexOf("Content-Type: ") + 14).trim();
            parts.put(name, new Part(fileName, type, content.getBytes(StandardCharsets.ISO_8859_1)));
        }
        return parts;
    }

    private static String between(String s, String start, String end) {
        int from = s.indexOf(start) + start.length();
        return s.substring(from, s.indexOf(end, from));
    }
}
