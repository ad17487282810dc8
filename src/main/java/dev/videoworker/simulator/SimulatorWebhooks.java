package dev.videoworker.simulator;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jboss.logging.Logger;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Sends the simulator's webhooks: one timer per job at the instant it ends, then one event, tried again a few times
 * when the receiver fails. A video whose create named a {@code callback_url} (OpenRouter) gets OpenRouter's
 * {@code video.generation.<status>} envelope there, with {@code X-OpenRouter-Idempotency-Key} and, when
 * {@link SimulatorSettings#openRouterWebhookSecret()} is set, {@code X-OpenRouter-Signature}; any other video a
 * Standard Webhooks {@code video.completed} or {@code video.failed} event at {@link WebhookTarget#url()}, when one is
 * configured. The create call only sets a timer, so its latency does not change; {@link VideoSimulator#reset()}
 * cancels every timer.
 */
public final class SimulatorWebhooks implements VideoSimulator.Lifecycle, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatorWebhooks.class);
    /** Deliveries per event at most: the first and three retries. */
    static final int MAX_ATTEMPTS = 4;
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final long RESPONSE_TIMEOUT_MS = 10_000;
    /** When a timer fires a moment before the simulator's clock reaches the end. */
    private static final Duration NOT_YET = Duration.ofMillis(20);

    private final Vertx vertx;
    private final VideoSimulator simulator;
    /** Where Standard Webhooks go; null: none are sent. */
    private final WebhookTarget target;
    /** What OpenRouter callbacks are signed with; null: unsigned. */
    private final byte[] openRouterKey;
    private final Clock clock;
    private final HttpClient client;
    private final SecureRandom random = new SecureRandom();
    /** What is planned for each video whose event is due or being retried. */
    private final Map<String, Planned> timers = new ConcurrentHashMap<>();
    private final AtomicInteger delivered = new AtomicInteger();

    private SimulatorWebhooks(Vertx vertx, VideoSimulator simulator) {
        this.vertx = vertx;
        this.simulator = simulator;
        this.target = simulator.settings().webhook().orElse(null);
        this.openRouterKey = simulator.settings().openRouterWebhookSecret()
                .map(secret -> secret.getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.clock = simulator.clock();
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS));
    }

    /** Starts sending the simulator's webhooks and callbacks, as its settings say; close it to stop. */
    public static SimulatorWebhooks attach(Vertx vertx, VideoSimulator simulator) {
        SimulatorWebhooks webhooks = new SimulatorWebhooks(vertx, simulator);
        simulator.lifecycle(webhooks);
        return webhooks;
    }

    @Override
    public void ends(String videoId, Instant endsAt) {
        if (target == null && simulator.callback(videoId).isEmpty()) {
            return;
        }
        at(videoId, Duration.between(clock.instant(), endsAt), () -> due(videoId, endsAt));
    }

    @Override
    public void reset() {
        timers.values().removeIf(planned -> {
            vertx.cancelTimer(planned.timer);
            return true;
        });
    }

    /** Events accepted by the receiver (2xx) so far. */
    public int delivered() {
        return delivered.get();
    }

    /** Events waiting for their time or for a retry. */
    public int pending() {
        return timers.size();
    }

    private void at(String videoId, Duration delay, Runnable action) {
        // in the map before the timer exists, so a timer that fires at once still finds itself there
        Planned planned = new Planned();
        timers.put(videoId, planned);
        planned.timer = vertx.setTimer(Math.max(1, delay.toMillis()), timer -> {
            if (timers.remove(videoId, planned)) {
                action.run();
            }
        });
    }

    private void due(String videoId, Instant endsAt) {
        VideoSnapshot video;
        try {
            video = simulator.retrieve(videoId);
        } catch (VideoApiException e) {
            return; // deleted meanwhile
        }
        String type = switch (video.status()) {
            case COMPLETED -> "video.completed";
            case FAILED -> "video.failed";
            default -> null;
        };
        if (type == null) {
            Duration left = Duration.between(clock.instant(), endsAt);
            at(videoId, left.compareTo(NOT_YET) > 0 ? left : NOT_YET, () -> due(videoId, endsAt));
            return;
        }
        CreateVideoRequest.Callback callback = simulator.callback(videoId).orElse(null);
        if (callback != null) {
            byte[] generation = new byte[12];
            random.nextBytes(generation);
            byte[] body = OpenRouterWire.callbackEvent(video, callback.api(),
                    "gen-" + HexFormat.of().formatHex(generation), clock.instant().toString())
                    .encode().getBytes(StandardCharsets.UTF_8);
            send(videoId, new Delivery(callback.url(), videoId + "-" + video.status().wireName(), body,
                    this::openRouterHeaders), 1);
            return;
        }
        if (target == null) {
            return;
        }
        byte[] id = new byte[12];
        random.nextBytes(id);
        String webhookId = "evt_" + HexFormat.of().formatHex(id);
        byte[] body = new JsonObject()
                .put("id", webhookId)
                .put("object", "event")
                .put("created_at", clock.instant().getEpochSecond())
                .put("type", type)
                .put("data", new JsonObject().put("id", videoId))
                .encode().getBytes(StandardCharsets.UTF_8);
        send(videoId, new Delivery(target.url().toString(), webhookId, body, this::standardHeaders), 1);
    }

    /** Standard Webhooks headers: {@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}. */
    private void standardHeaders(RequestOptions request, Delivery delivery, long timestamp) {
        request.putHeader("webhook-id", delivery.id())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader("webhook-signature", target.signature(delivery.id(), timestamp, delivery.body()));
    }

    /**
     * OpenRouter's headers: {@code X-OpenRouter-Idempotency-Key: <video id>-<status>} and, with a secret,
     * {@code X-OpenRouter-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>,<body>">}.
     */
    private void openRouterHeaders(RequestOptions request, Delivery delivery, long timestamp) {
        request.putHeader("X-OpenRouter-Idempotency-Key", delivery.id());
        if (openRouterKey != null) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(openRouterKey, "HmacSHA256"));
                mac.update((timestamp + ",").getBytes(StandardCharsets.UTF_8));
                request.putHeader("X-OpenRouter-Signature", "t=" + timestamp + ",v1="
                        + HexFormat.of().formatHex(mac.doFinal(delivery.body())));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        }
    }

    /** What one event is: where it goes, its id (the same on every attempt), its body, and how it is signed. */
    private record Delivery(String url, String id, byte[] body, Headers headers) {
    }

    /** Adds the headers of one attempt, signed with that attempt's timestamp. */
    @FunctionalInterface
    private interface Headers {
        void add(RequestOptions request, Delivery delivery, long timestamp);
    }

    /** One delivery; the same id and body on every attempt, a fresh timestamp and signature each time. */
    private void send(String videoId, Delivery delivery, int attempt) {
        long timestamp = clock.instant().getEpochSecond();
        String webhookId = delivery.id();
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(delivery.url())
                .setIdleTimeout(RESPONSE_TIMEOUT_MS)
                .putHeader("content-type", "application/json");
        delivery.headers().add(request, delivery, timestamp);
        client.request(request)
                .compose(req -> req.send(Buffer.buffer(delivery.body())))
                .compose(response -> response.body().map(ignored -> response.statusCode()))
                .onComplete(result -> {
                    if (result.succeeded() && result.result() / 100 == 2) {
                        delivered.incrementAndGet();
                        LOG.debugf("Simulator webhook %s for %s delivered", webhookId, videoId);
                        return;
                    }
                    String why = result.succeeded() ? "HTTP " + result.result() : result.cause().toString();
                    if (attempt >= MAX_ATTEMPTS) {
                        LOG.warnf("Simulator webhook %s for %s not delivered after %d attempts (%s)", webhookId,
                                videoId, attempt, why);
                        return;
                    }
                    Duration wait = FIRST_RETRY.multipliedBy(1L << (attempt - 1));
                    LOG.debugf("Simulator webhook %s for %s failed (%s); retry in %s", webhookId, videoId, why, wait);
                    at(videoId, wait, () -> send(videoId, delivery, attempt + 1));
                });
    }

    /** A timer of one video; removed from the map when it fires or is cancelled. */
    private static final class Planned {
        private volatile long timer = -1;
    }

    /** Cancels what is still planned and closes the HTTP client. */
    @Override
    public void close() {
        simulator.lifecycle(null);
        reset();
        client.close();
    }
}
