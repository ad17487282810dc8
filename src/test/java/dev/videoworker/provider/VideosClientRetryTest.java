package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.simulator.CreateVideoRequest;
import dev.videoworker.simulator.Endpoint;
import dev.videoworker.simulator.Fault;
import dev.videoworker.simulator.FaultSettings;
import dev.videoworker.simulator.VideoSimulator;
import dev.videoworker.simulator.VideoStatus;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.trace.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The provider client against the embedded simulator over real HTTP, with faults scripted per video: which calls are
 * retried, how often and after which wait (as the client decided it, never measured on the clock).
 */
@QuarkusTest
class VideosClientRetryTest extends WorkerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Inject
    WorkerMetrics metrics;

    @Inject
    @RestClient
    ProviderHttp api;

    @Inject
    @RestClient
    ProviderCreateHttp createApi;

    @Inject
    ObjectMapper mapper;

    @Inject
    WorkerConfig config;

    /** The application's own providers, with their configured policy: for the create, which must not retry. */
    @Inject
    Providers providers;

    private VideosClient applicationClient;

    /** Every retry the test client decided, in order. */
    private final List<Retried> retries = new CopyOnWriteArrayList<>();
    private VideosClient client;

    record Retried(String call, String target, int attempt, int status, Duration delay) {
    }

    @BeforeEach
    void recordingClient() {
        RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(100), 1.0,
                Duration.ofSeconds(2), new Random(17));
        applicationClient = providers.defaultClient();
        client = new Providers(Providers.settings(config), api, createApi, mapper, policy,
                (call, target, attempt, failure, wait) -> retries.add(new Retried(call, target, attempt,
                        failure.httpStatus(), wait)), metrics, new ProviderHealth(), new Tracing(OpenTelemetry.noop()),
                VideosClient::refuseForeignResult).defaultClient();
    }

    @AfterEach
    void noFaults() {
        simulator().faults(FaultSettings.none());
    }

    @Test
    void retriesARateLimitedRetrieveAfterTheWaitTheProviderAskedFor() {
        String id = video("A heron");
        simulator().faults(FaultSettings.none().withRetryAfter(Duration.ofMillis(40)));
        simulator().failNext(Endpoint.RETRIEVE, id, Fault.RATE_LIMIT, 1);

        ProviderVideo video = client.retrieve(id).await().atMost(TIMEOUT);

        assertThat(video.id()).isEqualTo(id);
        assertThat(faultsOf(id, Endpoint.RETRIEVE)).containsExactly(Fault.RATE_LIMIT, null);
        // retry-after-ms (40) wins over both the backoff and the rounded-up Retry-After (1 s)
        assertThat(retries).containsExactly(new Retried("retrieve", id, 1, 429, Duration.ofMillis(40)));
    }

    @Test
    void retriesARetrieveAfterTwoOutages() {
        String id = video("A kingfisher");
        simulator().faults(FaultSettings.none().withRetryAfter(Duration.ofMillis(20)));
        simulator().failNext(Endpoint.RETRIEVE, id, Fault.UNAVAILABLE, 2);

        assertThat(client.retrieve(id).await().atMost(TIMEOUT).id()).isEqualTo(id);

        assertThat(faultsOf(id, Endpoint.RETRIEVE)).containsExactly(Fault.UNAVAILABLE, Fault.UNAVAILABLE, null);
        assertThat(retries).extracting(Retried::attempt, Retried::status, Retried::delay).containsExactly(
                tuple(1, 503, Duration.ofMillis(20)),
                tuple(2, 503, Duration.ofMillis(20)));
    }

    @Test
    void backsOffWithJitterWhenTheProviderGivesNoWait() {
        String id = video("A cormorant");
        simulator().failNext(Endpoint.RETRIEVE, id, Fault.SERVER_ERROR, 2);

        assertThat(client.retrieve(id).await().atMost(TIMEOUT).id()).isEqualTo(id);

        assertThat(retries).extracting(Retried::status).containsExactly(500, 500);
        assertThat(retries.get(0).delay()).isBetween(Duration.ZERO, Duration.ofMillis(10));
        assertThat(retries.get(1).delay()).isBetween(Duration.ZERO, Duration.ofMillis(20));
    }

    @Test
    void givesUpAfterTheLastAttemptWithTheProvidersAnswer() {
        String id = video("A grebe");
        simulator().failNext(Endpoint.RETRIEVE, id, Fault.SERVER_ERROR, 4);

        assertThatThrownBy(() -> client.retrieve(id).await().atMost(TIMEOUT))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(500);
                    assertThat(e.retryable()).isTrue();
                });
        assertThat(faultsOf(id, Endpoint.RETRIEVE)).hasSize(4).containsOnly(Fault.SERVER_ERROR);
        assertThat(retries).extracting(Retried::attempt).containsExactly(1, 2, 3);
    }

    @Test
    void doesNotRetryAVideoThatDoesNotExist() {
        String id = "video_" + UUID.randomUUID().toString().replace("-", "");

        assertThatThrownBy(() -> client.retrieve(id).await().atMost(TIMEOUT))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.code()).isEqualTo("video_not_found");
                    assertThat(e.getMessage()).contains(id);
                    assertThat(e.retryable()).isFalse();
                });
        assertThat(simulator().calls(id)).hasSize(1);
        assertThat(retries).isEmpty();
    }

    @Test
    void doesNotRetryARefusalAndKeepsTheProvidersMessage() {
        String id = simulator().create(CreateVideoRequest.of(null, "A slow one " + UUID.randomUUID(), null, null))
                .id();

        assertThatThrownBy(() -> client.delete(id).await().atMost(TIMEOUT))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("video_not_finished");
                    assertThat(e.getMessage()).contains("still being generated");
                });
        assertThat(simulator().calls(id)).hasSize(1);
        assertThat(retries).isEmpty();
    }

    @Test
    void aVideoFailedByModerationIsAnAnswerNotAFailureToRetry() {
        String prompt = "A crowd [simulate:moderation] [simulate:duration=PT0.2S] " + UUID.randomUUID();
        String id = simulator().create(CreateVideoRequest.of(null, prompt, null, null)).id();
        await().atMost(TIMEOUT).until(() -> simulator().retrieve(id).status() == VideoStatus.FAILED);

        ProviderVideo video = client.retrieve(id).await().atMost(TIMEOUT);

        assertThat(video.status()).isEqualTo(ProviderStatus.FAILED);
        assertThat(video.errorCode()).isEqualTo("moderation_blocked");
        assertThat(simulator().calls(id)).hasSize(1);
        assertThat(retries).isEmpty();
    }

    @Test
    void retriesAListAndADeleteWhoseConnectionWasReset() {
        String id = finishedVideo("A pelican");
        int listsBefore = simulator().callCount(Endpoint.LIST);
        simulator().failNext(Endpoint.LIST, null, Fault.RESET, 1);
        simulator().failNext(Endpoint.DELETE, id, Fault.RESET, 1);

        VideosClient.Page page = client.listNewest(5, null).await().atMost(TIMEOUT);
        client.delete(id).await().atMost(TIMEOUT);

        assertThat(page.videos()).isNotEmpty();
        assertThat(simulator().callCount(Endpoint.LIST) - listsBefore).isEqualTo(2);
        assertThat(faultsOf(id, Endpoint.DELETE)).containsExactly(Fault.RESET, null);
        assertThat(retries).extracting(Retried::call, Retried::status).containsExactly(
                tuple("list", 0), tuple("delete", 0));
    }

    @Test
    void opensTheContentAfterAnOutage() throws IOException {
        String id = finishedVideo("An osprey");
        simulator().faults(FaultSettings.none().withRetryAfter(Duration.ofMillis(10)));
        simulator().failNext(Endpoint.CONTENT, id, Fault.UNAVAILABLE, 1);

        byte[] body;
        try (InputStream in = client.openContent(id, null)) {
            body = in.readAllBytes();
        }

        assertThat(body).isNotEmpty();
        assertThat(faultsOf(id, Endpoint.CONTENT)).containsExactly(Fault.UNAVAILABLE, null);
        assertThat(retries).containsExactly(new Retried("content", id, 1, 503, Duration.ofMillis(10)));
    }

    @Test
    void aBodyThatBreaksOffIsNotRetriedHere() throws IOException {
        String id = finishedVideo("A puffin");
        simulator().failNext(Endpoint.CONTENT, id, Fault.TRUNCATE, 1);

        try (InputStream in = client.openContent(id, null)) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
        }
        assertThat(faultsOf(id, Endpoint.CONTENT)).containsExactly(Fault.TRUNCATE);
        assertThat(retries).isEmpty();
    }

    @Test
    void callsCreateExactlyOnceWhenItFailsWithAServerError() {
        String prompt = "A swan " + UUID.randomUUID();
        simulator().failNext(Endpoint.CREATE, prompt, Fault.SERVER_ERROR, 1);

        assertThatThrownBy(() -> applicationClient.create(create(prompt)).await().atMost(TIMEOUT))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(500);
                    assertThat(e.outcomeUnknown()).isTrue();
                    assertThat(e.retryable()).isFalse();
                });
        assertThat(simulator().calls(prompt)).hasSize(1);
        assertThat(simulator().createCount(prompt)).isZero();
    }

    @Test
    void callsCreateExactlyOnceWhenRateLimitedAndKnowsNothingWasCreated() {
        String prompt = "A goose " + UUID.randomUUID();
        simulator().failNext(Endpoint.CREATE, prompt, Fault.RATE_LIMIT, 1);

        assertThatThrownBy(() -> applicationClient.create(create(prompt)).await().atMost(TIMEOUT))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(429);
                    assertThat(e.outcomeUnknown()).isFalse();
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.retryAfter()).isNotNull();
                });
        assertThat(simulator().calls(prompt)).hasSize(1);
    }

    @Test
    void sendsTheFieldsOfACreateAsTheyAreWhateverTheirCharacters() {
        // Quotes, line breaks, a boundary-like line and characters outside Latin-1 must reach the provider unchanged.
        String prompt = "Ein \"Kranich\" über dem Fluß, 鶴 🦢\r\n--sora-video-worker-\r\nContent-Type: x " + UUID.randomUUID();

        ProviderVideo video = applicationClient.create(create(prompt)).await().atMost(TIMEOUT);

        assertThat(video.prompt()).isEqualTo(prompt);
        assertThat(simulator().retrieve(video.id()).prompt()).isEqualTo(prompt);
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
    }

    private static VideosClient.CreateVideo create(String prompt) {
        return new VideosClient.CreateVideo("sora-2", prompt, "720x1280", "4", null, null, null);
    }

    private String video(String prompt) {
        return simulator().create(CreateVideoRequest.of(null, prompt + " " + UUID.randomUUID(), null, null)).id();
    }

    private String finishedVideo(String prompt) {
        String id = video(prompt + " [simulate:duration=PT0.2S]");
        await().atMost(TIMEOUT).until(() -> simulator().retrieve(id).status() == VideoStatus.COMPLETED);
        return id;
    }

    private List<Fault> faultsOf(String id, Endpoint endpoint) {
        return simulator().calls(id).stream().filter(c -> c.endpoint() == endpoint).map(VideoSimulator.Call::fault)
                .toList();
    }
}
