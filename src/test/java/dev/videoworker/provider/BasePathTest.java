package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.trace.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A provider mounted under a path prefix (OpenRouter's {@code /api}, an Azure resource's {@code /openai}, a gateway's
 * route): every call, the content download included, keeps the base URL's path. A recording HTTP server answers.
 */
@QuarkusTest
class BasePathTest extends WorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String VIDEO = "{\"id\":\"video_1\",\"object\":\"video\",\"status\":\"completed\","
            + "\"model\":\"sora-2\",\"progress\":100,\"created_at\":1700000000,\"size\":\"720x1280\",\"seconds\":\"4\"}";

    @Inject
    @RestClient
    ProviderHttp api;

    @Inject
    @RestClient
    ProviderCreateHttp createApi;

    @Inject
    ObjectMapper mapper;

    @Inject
    WorkerMetrics metrics;

    private HttpServer server;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void recordingServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            seen.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query) + " "
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body;
            String type = "application/json";
            if (path.endsWith("/content")) {
                body = "mp4-bytes".getBytes(StandardCharsets.US_ASCII);
                type = "video/mp4";
            } else if (exchange.getRequestMethod().equals("GET") && path.endsWith("/videos")) {
                body = ("{\"object\":\"list\",\"data\":[" + VIDEO + "],\"has_more\":false}")
                        .getBytes(StandardCharsets.UTF_8);
            } else if (exchange.getRequestMethod().equals("DELETE")) {
                body = "{\"id\":\"video_1\",\"object\":\"video.deleted\",\"deleted\":true}"
                        .getBytes(StandardCharsets.UTF_8);
            } else {
                body = VIDEO.getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Test
    void everyCallKeepsTheBaseUrlsPath() throws IOException {
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/gateway/openai/";
        ProviderSettings settings = new ProviderSettings("gateway", base, Dialects.named("openai"), "sk-FAKE-gw",
                "gw-key", 2, 100, true, Map.of(), List.of(), 0);
        VideosClient client = new Providers(List.of(settings), api, createApi, mapper,
                new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 0, Duration.ofMillis(1),
                        new Random(1)),
                null, metrics, new ProviderHealth(), new Tracing(OpenTelemetry.noop()),
                VideosClient::refuseForeignResult).defaultClient();

        client.create(new VideosClient.CreateVideo("sora-2", "A heron", "720x1280", "4", null, null, null))
                .await().atMost(WAIT);
        client.retrieve("video_1").await().atMost(WAIT);
        client.listNewest(5, null).await().atMost(WAIT);
        client.delete("video_1").await().atMost(WAIT);
        try (InputStream content = client.openContent("video_1", null)) {
            assertThat(new String(content.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("mp4-bytes");
        }
        try (InputStream thumbnail = client.openContent("video_1", "thumbnail")) {
            thumbnail.readAllBytes();
        }

        assertThat(seen).containsExactly(
                "POST /gateway/openai/v1/videos Bearer sk-FAKE-gw",
                "GET /gateway/openai/v1/videos/video_1 Bearer sk-FAKE-gw",
                "GET /gateway/openai/v1/videos?limit=5&order=desc Bearer sk-FAKE-gw",
                "DELETE /gateway/openai/v1/videos/video_1 Bearer sk-FAKE-gw",
                "GET /gateway/openai/v1/videos/video_1/content Bearer sk-FAKE-gw",
                "GET /gateway/openai/v1/videos/video_1/content?variant=thumbnail Bearer sk-FAKE-gw");
    }
}
