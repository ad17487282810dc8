package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import dev.videoworker.trace.InMemoryTracing;
import dev.videoworker.trace.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What every call to a provider sends, the content download included, as a recording HTTP server sees it: the base
 * URL's path kept (a provider mounted under a prefix: OpenRouter's {@code /api}, an Azure resource's {@code /openai},
 * a gateway's route), the key, and the job's trace (a {@code traceparent} naming the worker's span of that call, and
 * none for a call outside a job's trace).
 */
@QuarkusTest
class ProviderRequestsTest extends WorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration CONTENT_TIMEOUT = Duration.ofSeconds(60);
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
    private final List<String> traceparents = new CopyOnWriteArrayList<>();
    private final List<String> acceptEncodings = new CopyOnWriteArrayList<>();

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
            traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            if (path.endsWith("/content")) {
                acceptEncodings.add(String.valueOf(exchange.getRequestHeaders().getFirst("Accept-Encoding")));
            }
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

    private VideosClient client(Tracing tracing, Duration contentTimeout) {
        return client(tracing, contentTimeout, server.getAddress().getPort());
    }

    private VideosClient client(Tracing tracing, Duration contentTimeout, int port) {
        String base = "http://127.0.0.1:" + port + "/gateway/openai/";
        ProviderSettings settings = new ProviderSettings("gateway", base, Dialects.named("openai"), "sk-FAKE-gw",
                "gw-key", 2, 100, true, Map.of(), List.of(), 0);
        return new Providers(List.of(settings), api, createApi, mapper,
                new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 0, Duration.ofMillis(1),
                        new Random(1)),
                null, metrics, new ProviderHealth(), tracing, VideosClient::refuseForeignResult, contentTimeout)
                .defaultClient();
    }

    @Test
    void everyCallKeepsTheBaseUrlsPath() throws IOException {
        VideosClient client = client(new Tracing(OpenTelemetry.noop()), CONTENT_TIMEOUT);

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

    @Test
    void everyCallOfAJobCarriesItsOwnSpanOfTheJobsTrace() throws IOException {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (OpenTelemetrySdk otel = InMemoryTracing.sdk(spans)) {
            VideosClient client = client(new Tracing(otel), CONTENT_TIMEOUT);
            String traceId = InMemoryTracing.TRACE_ID;
            String job = InMemoryTracing.JOB_TRACE;

            client.create(new VideosClient.CreateVideo("sora-2", "A heron", "720x1280", "4", null, null, null), job)
                    .await().atMost(WAIT);
            client.retrieve("video_1", job).await().atMost(WAIT);
            client.listNewest(5, null, job).await().atMost(WAIT);
            client.delete("video_1", job).await().atMost(WAIT);
            try (InputStream content = client.openContent("video_1", null, job)) {
                content.readAllBytes();
            }

            List<String> calls = spans.getFinishedSpanItems().stream()
                    .map(s -> s.getName() + " 00-" + s.getTraceId() + "-" + s.getSpanId() + "-01").toList();
            assertThat(calls).extracting(c -> c.split(" 00-")[0]).containsExactly("videos-api create",
                    "videos-api retrieve", "videos-api list", "videos-api delete", "videos-api content");
            assertThat(traceparents).as("each request's traceparent: its own span, in the job's trace")
                    .containsExactlyElementsOf(calls.stream().map(c -> c.substring(c.indexOf(" 00-") + 1)).toList())
                    .allMatch(t -> t.startsWith("00-" + traceId + "-"));
        }
    }

    @Test
    void aCallOutsideAJobsTraceCarriesNone() {
        VideosClient client = client(new Tracing(OpenTelemetry.noop()), CONTENT_TIMEOUT);
        client.retrieve("video_1").await().atMost(WAIT);
        client.probe().await().atMost(WAIT);
        assertThat(traceparents).as("no trace of their own either (Quarkus' REST client spans are off)")
                .containsExactly("null", "null");
    }

    @Test
    void aBodyThatStopsComingFailsAfterTheReadTimeoutSayingWhatStalled() throws Exception {
        // A provider that sends the headers and the first bytes of 1000, then nothing more, and keeps the connection.
        try (ServerSocket stalling = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> connection = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket socket = stalling.accept();
                    BufferedReader request = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                            StandardCharsets.US_ASCII));
                    while (!request.readLine().isEmpty()) {
                        // the request's head, up to its empty line
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 1000\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(new byte[] {1, 2, 3});
                    out.flush();
                    return socket;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            VideosClient client = client(new Tracing(OpenTelemetry.noop()), Duration.ofSeconds(1),
                    stalling.getLocalPort());
            try (InputStream content = client.openContent("video_stall", null)) {
                assertThat(content.readNBytes(3)).containsExactly(1, 2, 3);
                assertThatThrownBy(content::read).isInstanceOf(IOException.class)
                        .hasMessage("the provider sent no data for 1 s while streaming the content of video_stall");
            } finally {
                connection.get(10, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void contentIsAskedForAsItIsNotCompressedAgain() throws IOException {
        VideosClient client = client(new Tracing(OpenTelemetry.noop()), CONTENT_TIMEOUT);
        try (InputStream content = client.openContent("video_1", null)) {
            content.readAllBytes();
        }
        assertThat(acceptEncodings).as("no gzip for the worker to inflate").containsExactly("identity");
    }
}
