package dev.videoworker.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.log.LogText;
import dev.videoworker.poll.Poller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /webhooks/videos}: the provider's signed {@code video.completed} / {@code video.failed} events make the
 * poller look at the job at once instead of at its next timer. The webhook never changes a job itself: the poll
 * goes through the usual retrieve and ledger path, so a forged, replayed or late webhook can at most cause one extra
 * poll. Without a configured secret, or when the default provider speaks another dialect than {@code openai}, the
 * route does not exist (404).
 */
@ApplicationScoped
public class WebhookEndpoint {

    public static final String PATH = "/webhooks/videos";
    /** Events are tiny; anything bigger is answered 413 before it is read into memory. */
    static final long BODY_LIMIT = 64 * 1024;
    /** Replay memory: at most this many ids (a few hundred bytes each) within the tolerance window. */
    static final int REMEMBERED_IDS = 10_000;
    static final String METRIC = "worker.webhooks";
    /**
     * A quick failure (moderation) can be announced before the worker has recorded the create call's answer, so an
     * unknown video is looked up again after these waits (it may also belong to another replica: then in vain).
     */
    static final List<Duration> UNKNOWN_VIDEO_RETRIES = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(4), Duration.ofSeconds(8));

    private static final String OPENAI_DIALECT = "openai";

    private final WebhookVerifier verifier;
    private final boolean standard;
    private final Poller poller;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final Vertx vertx;
    private final SeenWebhookIds seen = new SeenWebhookIds(REMEMBERED_IDS);
    private final Clock clock = Clock.systemUTC();

    public WebhookEndpoint(WorkerConfig config, Poller poller, ObjectMapper mapper, MeterRegistry registry,
            Vertx vertx) {
        List<String> secrets = config.webhooks().secret().orElse(List.of()).stream()
                .filter(s -> !s.isBlank()).toList();
        // Standard Webhooks are the OpenAI dialect's; another default provider's secret signs its own scheme (an
        // OpenRouter callback, see ProviderCallbackEndpoint) and need not be a whsec_ secret.
        this.standard = OPENAI_DIALECT.equals(config.provider().dialect());
        this.verifier = secrets.isEmpty() || !standard ? null
                : new WebhookVerifier(secrets, config.webhooks().tolerance());
        this.poller = poller;
        this.mapper = mapper;
        this.registry = registry;
        this.vertx = vertx;
    }

    void mount(@Observes Router router) {
        if (verifier == null) {
            Log.infof(standard ? "worker.webhooks.secret is not set: %s is off (polling only)"
                    : "the default provider does not speak the openai dialect: %s is off", PATH);
            return;
        }
        router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT)).handler(this::handle);
        Log.infof("Webhook endpoint %s on (%d secret(s), tolerance %s)", PATH, verifier.secretCount(),
                verifier.tolerance());
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Buffer buffer = ctx.body().buffer();
        byte[] body = buffer == null ? new byte[0] : buffer.getBytes();
        String id = request.getHeader("webhook-id");
        Instant now = clock.instant();
        Instant sent;
        try {
            sent = verifier.verify(id, request.getHeader("webhook-timestamp"), request.getHeader("webhook-signature"),
                    body, now);
        } catch (WebhookRejected e) {
            // debug: unauthenticated callers must not be able to fill the log
            Log.debugf("webhook refused: %s", LogText.safe(e.getMessage()));
            answer(ctx, "rejected", 401, "{\"error\":\"invalid webhook signature\"}");
            return;
        }
        JsonNode event;
        try {
            event = mapper.readTree(body);
        } catch (Exception e) {
            event = null;
        }
        String type = event == null ? "" : event.path("type").asText("");
        String videoId = event == null ? "" : event.path("data").path("id").asText("");
        if (event == null || !event.isObject() || type.isEmpty()) {
            Log.warnf("webhook %s: signed but not an event object; ignored", LogText.safe(id));
            answer(ctx, "invalid_payload", 400, "{\"error\":\"not an event\"}");
            return;
        }
        Instant forgetAt = (sent.isAfter(now) ? sent : now).plus(verifier.tolerance());
        if (!seen.firstTime(id, forgetAt, now)) {
            Log.debugf("webhook %s: seen before, ignored", LogText.safe(id));
            answer(ctx, "replayed", 204, null);
            return;
        }
        if (!"video.completed".equals(type) && !"video.failed".equals(type)) {
            Log.debugf("webhook %s: event type %s ignored", LogText.safe(id), LogText.safe(type));
            answer(ctx, "ignored_type", 204, null);
            return;
        }
        if (videoId.isEmpty()) {
            answer(ctx, "invalid_payload", 400, "{\"error\":\"event without data.id\"}");
            return;
        }
        Poller.Nudge nudge = poller.pollNow(videoId);
        Log.debugf("webhook %s: %s for %s: %s", LogText.safe(id), LogText.safe(type), LogText.safe(videoId), nudge);
        if (nudge == Poller.Nudge.UNKNOWN_VIDEO) {
            lookAgain(id, videoId, 0);
        }
        answer(ctx, nudge.name().toLowerCase(Locale.ROOT), 204, null);
    }

    private void lookAgain(String id, String videoId, int retry) {
        if (retry >= UNKNOWN_VIDEO_RETRIES.size()) {
            return;
        }
        vertx.setTimer(UNKNOWN_VIDEO_RETRIES.get(retry).toMillis(), timer -> {
            Poller.Nudge nudge = poller.pollNow(videoId);
            if (nudge == Poller.Nudge.UNKNOWN_VIDEO) {
                lookAgain(id, videoId, retry + 1);
            } else {
                Log.debugf("webhook %s: %s found after a wait: %s", LogText.safe(id), LogText.safe(videoId), nudge);
                count("late_" + nudge.name().toLowerCase(Locale.ROOT));
            }
        });
    }

    private void answer(RoutingContext ctx, String outcome, int status, String json) {
        count(outcome);
        ctx.response().setStatusCode(status);
        if (json == null) {
            ctx.response().end();
        } else {
            ctx.response().putHeader("content-type", "application/json").end(json);
        }
    }

    private void count(String outcome) {
        Counter.builder(METRIC).description("Webhook deliveries by outcome").tag("outcome", outcome)
                .register(registry).increment();
    }
}
