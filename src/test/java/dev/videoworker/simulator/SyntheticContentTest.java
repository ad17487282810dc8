package dev.videoworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.vertx.core.json.JsonObject;

class SyntheticContentTest {

    @RegisterExtension
    static final SimulatorServerExtension SERVER = new SimulatorServerExtension(
            SimulatorSettings.defaults().withDuration(Duration.ofSeconds(10)));

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void streamAndHashDescribeTheSameBytes() throws Exception {
        long size = 3L * SyntheticContent.CHUNK + 123;
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = SyntheticContent.stream(size)) {
            byte[] all = in.readAllBytes();
            assertThat(all).hasSize((int) size);
            digest.update(all);
        }
        assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(SyntheticContent.sha256(size));
    }

    @Test
    void chunksDifferSoReorderedPartsChangeTheHash() throws Exception {
        byte[] two = SyntheticContent.stream(2L * SyntheticContent.CHUNK).readAllBytes();
        byte[] first = Arrays.copyOfRange(two, 0, SyntheticContent.CHUNK);
        byte[] second = Arrays.copyOfRange(two, SyntheticContent.CHUNK, two.length);
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void readsTheSizeFromThePromptMarker() {
        assertThat(SyntheticContent.requestedBytes("a cat [simulate:content-bytes=65536]")).hasValue(65536);
        assertThat(SyntheticContent.requestedBytes("a cat")).isEmpty();
        assertThat(SyntheticContent.requestedBytes(null)).isEmpty();
    }

    @Test
    void servesSyntheticContentOfTheRequestedSizeAndCountsCalls() throws Exception {
        String created = send(HttpRequest.newBuilder(URI.create(SERVER.baseUrl() + "/v1/videos"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                        .put("prompt", "big [simulate:content-bytes=1000000]").put("seconds", "4").encode())))
                .body();
        String id = new JsonObject(created).getString("id");
        SERVER.clock().advance(Duration.ofSeconds(11));

        HttpResponse<byte[]> content = http.send(authorized(HttpRequest.newBuilder(
                URI.create(SERVER.baseUrl() + "/v1/videos/" + id + "/content"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(content.statusCode()).isEqualTo(200);
        assertThat(content.headers().firstValue("content-type")).hasValue("video/mp4");
        assertThat(content.body()).hasSize(1_000_000);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.body())))
                .isEqualTo(SyntheticContent.sha256(1_000_000));

        JsonObject stats = new JsonObject(send(HttpRequest.newBuilder(
                URI.create(SERVER.baseUrl() + SimulatorServer.STATS_PATH)).GET()).body());
        assertThat(stats.getInteger("creates")).isEqualTo(1);
        assertThat(stats.getJsonObject("calls").getInteger("create")).isEqualTo(1);
        assertThat(stats.getJsonObject("calls").getInteger("content")).isEqualTo(1);
    }

    @Test
    void syntheticContentIsRefusedBeforeTheVideoIsCompleted() throws Exception {
        String created = send(HttpRequest.newBuilder(URI.create(SERVER.baseUrl() + "/v1/videos"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                        .put("prompt", "big [simulate:content-bytes=1000]").put("seconds", "4").encode())))
                .body();
        String id = new JsonObject(created).getString("id");
        HttpResponse<String> early = http.send(authorized(HttpRequest.newBuilder(
                URI.create(SERVER.baseUrl() + "/v1/videos/" + id + "/content"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(early.statusCode()).isEqualTo(400);
        assertThat(early.body()).contains("video_not_ready");
    }

    @Test
    void statsNeedTheKey() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create(SERVER.baseUrl() + SimulatorServer.STATS_PATH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(authorized(request).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + SimulatorServerExtension.API_KEY);
    }
}
