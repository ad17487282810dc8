package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.trace.InMemoryTracing;
import dev.videoworker.trace.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Downloads of a finished video off the provider's origin, against one recording HTTP server reached as two hosts:
 * {@code 127.0.0.1} and {@code localhost}. The key goes to the provider's origin only; a result URL or a redirect
 * elsewhere is fetched without it, and only where {@code worker.provider.result-urls.*} allow.
 */
@QuarkusTest
class ResultUrlDownloadTest extends WorkerTest {

    private static final String KEY = "sk-FAKE-result-urls";

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
    private int port;
    /** Method, path and the Authorization header (or null) of every request the server saw. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    /** The traceparent header (or "null") of the last request to each path. */
    private final Map<String, String> traceparents = new ConcurrentHashMap<>();
    /** The result URL each video names, and where each {@code /hop/} path redirects. */
    private final Map<String, String> resultUrls = new ConcurrentHashMap<>();
    private final Map<String, String> hops = new ConcurrentHashMap<>();

    @BeforeEach
    void recordingServer() throws IOException {
        // every interface, so that localhost answers whether it resolves to 127.0.0.1 or ::1
        server = HttpServer.create(new InetSocketAddress(0), 0);
        server.createContext("/", this::answer);
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            seen.add(exchange.getRequestMethod() + " " + path + " " + exchange.getRequestHeaders()
                    .getFirst("Authorization"));
            traceparents.put(path, String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            if (path.startsWith("/hop/") || path.endsWith("/content")) {
                exchange.getResponseHeaders().add("Location", hops.get(path));
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            byte[] body;
            if (path.startsWith("/v1/videos/")) {
                String id = path.substring("/v1/videos/".length());
                body = ("{\"id\":\"" + id + "\",\"status\":\"completed\",\"result_url\":\"" + resultUrls.get(id)
                        + "\"}").getBytes(StandardCharsets.UTF_8);
            } else {
                body = ("mp4 of " + path).getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Test
    void downloadsAResultUrlOnAnotherHostWithoutTheKey() throws IOException {
        VideosClient client = client("http://127.0.0.1:" + port, new UrlResultDialect(),
                new ResultUrlGuard(List.of("localhost"), List.of("127.0.0.0/8", "::1/128")));
        resultUrls.put("video_a", "http://localhost:" + port + "/signed/a.mp4?sig=abc");

        assertThat(read(client, "video_a")).isEqualTo("mp4 of /signed/a.mp4");
        assertThat(seen).containsExactly("GET /v1/videos/video_a Bearer " + KEY, "GET /signed/a.mp4 null");
    }

    @Test
    void downloadsAResultUrlOnTheProvidersOwnOriginWithTheKey() throws IOException {
        VideosClient client = client("http://127.0.0.1:" + port, new UrlResultDialect(),
                VideosClient::refuseForeignResult);
        resultUrls.put("video_b", "/files/b.mp4");

        assertThat(read(client, "video_b")).isEqualTo("mp4 of /files/b.mp4");
        assertThat(seen).containsExactly("GET /v1/videos/video_b Bearer " + KEY, "GET /files/b.mp4 Bearer " + KEY);
    }

    @Test
    void refusesAResultUrlOnAHostThatIsNotAllowedWithoutRetrying() {
        VideosClient client = client("http://127.0.0.1:" + port, new UrlResultDialect(),
                new ResultUrlGuard(List.of("cdn.example.com"), List.of("127.0.0.0/8", "::1/128")));
        resultUrls.put("video_c", "http://localhost:" + port + "/signed/c.mp4");

        assertRefused(client, "video_c", "localhost", "worker.provider.result-urls.allowed-hosts");
        assertThat(seen).containsExactly("GET /v1/videos/video_c Bearer " + KEY);
    }

    @Test
    void refusesAHostWhoseNameResolvesToAnInternalAddress() {
        // allowed by name, but its addresses are loopback and no network is permitted: refused at resolution
        VideosClient client = client("http://127.0.0.1:" + port, new UrlResultDialect(),
                new ResultUrlGuard(List.of("localhost"), List.of()));
        resultUrls.put("video_d", "http://localhost:" + port + "/signed/d.mp4");

        assertRefused(client, "video_d", "localhost", "loopback");
        assertThat(seen).containsExactly("GET /v1/videos/video_d Bearer " + KEY);
    }

    @Test
    void checksEveryRedirectAndRefusesOneToAnInternalAddress() throws IOException {
        VideosClient client = client("http://localhost:" + port, new UrlResultDialect(),
                new ResultUrlGuard(List.of(), List.of("127.0.0.0/8")));
        resultUrls.put("video_e", "http://127.0.0.1:" + port + "/hop/metadata?sig=e");
        hops.put("/hop/metadata", "http://169.254.169.254/latest/meta-data/iam");
        resultUrls.put("video_f", "http://127.0.0.1:" + port + "/hop/loopback6");
        hops.put("/hop/loopback6", "http://[::1]:" + port + "/signed/f.mp4");
        resultUrls.put("video_g", "http://127.0.0.1:" + port + "/hop/fine");
        hops.put("/hop/fine", "/signed/g.mp4");

        assertRefused(client, "video_e", "169.254.169.254", "cloud metadata");
        assertRefused(client, "video_f", "::1", "loopback");
        assertThat(read(client, "video_g")).isEqualTo("mp4 of /signed/g.mp4");

        assertThat(seen).containsExactly(
                "GET /v1/videos/video_e Bearer " + KEY, "GET /hop/metadata null",
                "GET /v1/videos/video_f Bearer " + KEY, "GET /hop/loopback6 null",
                "GET /v1/videos/video_g Bearer " + KEY, "GET /hop/fine null", "GET /signed/g.mp4 null");
    }

    @Test
    void followsARedirectOfTheContentEndpointWithoutTheKey() throws IOException {
        VideosClient client = client("http://localhost:" + port, Dialects.named("openai"),
                new ResultUrlGuard(List.of(), List.of("127.0.0.0/8")));
        hops.put("/v1/videos/video_h/content", "http://127.0.0.1:" + port + "/cdn/h.mp4?sig=h");

        assertThat(read(client, "video_h")).isEqualTo("mp4 of /cdn/h.mp4");
        assertThat(seen).containsExactly("GET /v1/videos/video_h/content Bearer " + KEY, "GET /cdn/h.mp4 null");
    }

    private void assertRefused(VideosClient client, String videoId, String host, String why) {
        assertThatThrownBy(() -> read(client, videoId)).isInstanceOfSatisfying(ProviderException.class, p -> {
            assertThat(p.code()).isEqualTo("result_url_refused");
            assertThat(p.retryable()).isFalse();
            assertThat(p.getMessage()).contains(host).contains(why).doesNotContain(KEY).doesNotContain("sig=");
        });
    }

    private static String read(VideosClient client, String videoId) throws IOException {
        try (InputStream in = client.openContent(videoId, null)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theJobsTraceGoesToTheProvidersOriginOnlyNotToAnotherHost() throws IOException {
        try (OpenTelemetrySdk otel = InMemoryTracing.sdk(InMemorySpanExporter.create())) {
            VideosClient client = client("http://127.0.0.1:" + port, new UrlResultDialect(),
                    new ResultUrlGuard(List.of("localhost"), List.of("127.0.0.0/8", "::1/128")), new Tracing(otel));
            resultUrls.put("video_i", "/files/i.mp4");
            resultUrls.put("video_j", "http://localhost:" + port + "/signed/j.mp4?sig=abc");
            for (String video : List.of("video_i", "video_j")) {
                try (InputStream in = client.openContent(video, null, InMemoryTracing.JOB_TRACE)) {
                    in.readAllBytes();
                }
            }
        }
        assertThat(traceparents.get("/files/i.mp4")).startsWith("00-" + InMemoryTracing.TRACE_ID + "-");
        assertThat(traceparents.get("/signed/j.mp4")).isEqualTo("null");
    }

    private VideosClient client(String baseUrl, Dialect dialect, VideosClient.ResultUrls guard) {
        return client(baseUrl, dialect, guard, new Tracing(OpenTelemetry.noop()));
    }

    private VideosClient client(String baseUrl, Dialect dialect, VideosClient.ResultUrls guard, Tracing tracing) {
        ProviderSettings settings = new ProviderSettings("urls", baseUrl, dialect, KEY, "urls-key", 2, 100, true,
                Map.of(), List.of(), 0);
        return new Providers(List.of(settings), api, createApi, mapper,
                new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), 0, Duration.ofMillis(1),
                        new Random(1)),
                null, metrics, new ProviderHealth(), tracing, guard).defaultClient();
    }

    /** A provider that names a result URL instead of serving a content endpoint. */
    private static final class UrlResultDialect implements Dialect {

        @Override
        public String name() {
            return "test-url-result";
        }

        @Override
        public Capabilities capabilities() {
            return new Capabilities(false, false, false, false, false, false);
        }

        @Override
        public Call create(VideosClient.CreateVideo video, String callbackUrl) {
            return new Call("/v1/videos", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String videoPath(String videoId) {
            return "/v1/videos/" + videoId;
        }

        @Override
        public ProviderVideo video(JsonNode body, Duration pollAfter) {
            return new ProviderVideo(body.path("id").asText(), ProviderStatus.COMPLETED, "completed", 100, null, null,
                    null, null, null, null, null, null, null, pollAfter, null, body.path("result_url").asText(null));
        }

        @Override
        public ErrorWords error(JsonNode body) {
            return new ErrorWords(null, null);
        }
    }
}
