package dev.videoworker.webhook;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobLedger;
import dev.videoworker.journal.JobStore;
import dev.videoworker.log.LogText;
import dev.videoworker.poll.Poller;
import dev.videoworker.provider.Providers;
import dev.videoworker.provider.VideosClient;
import dev.videoworker.request.RequestParser;
import dev.videoworker.submit.CallbackUrls;
import dev.videoworker.submit.Submitter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /webhooks/providers/<provider>?job=<job id>}: the callback a provider without a list (OpenRouter) sends
 * to the URL a create carried ({@link CallbackUrls}) once the video is final. Signed with the provider's secret
 * ({@link OpenRouterSignature}); deduplicated by {@code X-OpenRouter-Idempotency-Key}. For a job of this replica still
 * in {@code submitting} (its create's answer was lost) the video it names is adopted as the create's answer would
 * be; for a job that already follows that video, its next poll is brought forward. A job not held here is answered
 * 503 with {@code Retry-After}, so that the provider's redelivery may reach the replica that owns it. The route exists
 * only when {@code worker.webhooks.public-url} is set and some provider calls back and has a secret.
 */
@ApplicationScoped
public class ProviderCallbackEndpoint {

    static final String IDEMPOTENCY_HEADER = "X-OpenRouter-Idempotency-Key";
    static final String METRIC = "worker.callbacks";
    /** Final events; OpenRouter sends no others to a callback URL. */
    static final Set<String> TYPES = Set.of("video.generation.completed", "video.generation.failed",
            "video.generation.cancelled", "video.generation.expired");
    /** Seconds a non-owner asks the provider to wait before it delivers again (a take-over lasts seconds). */
    static final int RETRY_AFTER_SECONDS = 10;
    static final int MAX_ID_LENGTH = 256;

    private final Map<String, OpenRouterSignature> verifiers = new LinkedHashMap<>();
    private final boolean publicUrlSet;
    private final JobStore store;
    private final JobLedger ledger;
    private final Providers providers;
    private final Submitter submitter;
    private final Poller poller;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final SeenWebhookIds seen = new SeenWebhookIds(WebhookEndpoint.REMEMBERED_IDS);
    private final Clock clock = Clock.systemUTC();

    public ProviderCallbackEndpoint(WorkerConfig config, CallbackUrls callbacks, Providers providers,
            JobStore store, JobLedger ledger, Submitter submitter, Poller poller, ObjectMapper mapper,
            MeterRegistry registry) {
        for (VideosClient provider : providers.all()) {
            if (callbacks.sent(provider.settings())) {
                verifiers.put(provider.provider(), new OpenRouterSignature(provider.settings().webhookSecrets(),
                        config.webhooks().tolerance()));
            }
        }
        this.publicUrlSet = callbacks.publicUrlSet();
        this.store = store;
        this.ledger = ledger;
        this.providers = providers;
        this.submitter = submitter;
        this.poller = poller;
        this.mapper = mapper;
        this.registry = registry;
    }

    void mount(@Observes Router router) {
        for (VideosClient provider : providers.all()) {
            if (provider.capabilities().callbackUrl() && !verifiers.containsKey(provider.provider())) {
                Log.infof("provider %s can call back, but %s: an unknown create outcome there ends the job "
                        + "submission_unknown", LogText.safe(provider.provider()), publicUrlSet
                        ? "it has no webhook secret" : "worker.webhooks.public-url is not set");
            }
        }
        if (verifiers.isEmpty()) {
            return;
        }
        router.post(CallbackUrls.ROUTE).handler(BodyHandler.create(false).setBodyLimit(WebhookEndpoint.BODY_LIMIT))
                .handler(this::handle);
        Log.infof("Provider callbacks on %s<provider> for %s", CallbackUrls.PATH,
                String.join(", ", verifiers.keySet()));
    }

    private void handle(RoutingContext ctx) {
        String provider = ctx.pathParam("provider");
        OpenRouterSignature verifier = provider == null ? null : verifiers.get(provider);
        if (verifier == null) {
            answer(ctx, "unknown_provider", 404, "{\"error\":\"no callbacks for this provider\"}");
            return;
        }
        Buffer buffer = ctx.body().buffer();
        byte[] body = buffer == null ? new byte[0] : buffer.getBytes();
        Instant now = clock.instant();
        Instant sent;
        try {
            sent = verifier.verify(ctx.request().getHeader(OpenRouterSignature.HEADER), body, now);
        } catch (WebhookRejected e) {
            // debug: unauthenticated callers must not be able to fill the log
            Log.debugf("callback refused: %s", LogText.safe(e.getMessage()));
            answer(ctx, "rejected", 401, "{\"error\":\"invalid callback signature\"}");
            return;
        }
        List<String> jobs = ctx.queryParam(CallbackUrls.JOB_PARAMETER);
        String jobId = jobs.size() == 1 ? jobs.get(0) : null;
        Optional<String> problem = jobId == null ? Optional.of("not exactly one job parameter")
                : RequestParser.jobIdProblem(jobId);
        if (problem.isPresent()) {
            Log.warnf("callback from %s: signed, but the job of its URL is unusable (%s); ignored",
                    LogText.safe(provider), LogText.safe(problem.get()));
            answer(ctx, "invalid_job", 400, "{\"error\":\"invalid job parameter\"}");
            return;
        }
        JsonNode event;
        try {
            event = mapper.readTree(body);
        } catch (Exception e) {
            event = null;
        }
        if (event == null || !event.isObject()) {
            answer(ctx, "invalid_payload", 400, "{\"error\":\"not an event\"}");
            return;
        }
        String type = event.path("type").asText("");
        JsonNode data = event.path("data");
        String videoId = data.path("id").asText("");
        if (!TYPES.contains(type)) {
            Log.debugf("callback for job %s: event type %s ignored", LogText.safe(jobId), LogText.safe(type));
            answer(ctx, "ignored_type", 204, null);
            return;
        }
        if (videoId.isEmpty() || videoId.length() > MAX_ID_LENGTH) {
            answer(ctx, "invalid_payload", 400, "{\"error\":\"event without a usable data.id\"}");
            return;
        }
        String key = ctx.request().getHeader(IDEMPOTENCY_HEADER);
        if (key == null || key.isBlank()) {
            key = videoId + "-" + data.path("status").asText("");
        }
        if (key.length() > MAX_ID_LENGTH) {
            answer(ctx, "invalid_payload", 400, "{\"error\":\"idempotency key too long\"}");
            return;
        }
        String remembered = provider + " " + key;
        if (!seen.firstTime(remembered, (sent.isAfter(now) ? sent : now).plus(verifier.tolerance()), now)) {
            Log.debugf("callback %s for job %s: seen before, ignored", LogText.safe(key), LogText.safe(jobId));
            answer(ctx, "replayed", 204, null);
            return;
        }
        JobState job = store.find(jobId).orElse(null);
        if (job == null || !ledger.current(job)) {
            // Another replica may own the job (callbacks reach any replica behind a Service): not remembered, so a
            // redelivery is handled wherever the job is then.
            seen.forget(remembered);
            Log.debugf("callback for job %s: not a job of this replica; asking for a redelivery", LogText.safe(jobId));
            ctx.response().putHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
            answer(ctx, "not_here", 503, "{\"error\":\"job not held by this replica; deliver again\"}");
            return;
        }
        String jobProvider = providers.forJob(job).provider();
        if (!jobProvider.equals(provider)) {
            Log.warnf("callback from %s names job %s, which is at provider %s; ignored", LogText.safe(provider),
                    LogText.safe(jobId), LogText.safe(jobProvider));
            answer(ctx, "other_provider", 204, null);
            return;
        }
        if (job.status() == JobStatus.SUBMITTING) {
            adopt(ctx, job, videoId, remembered);
            return;
        }
        if (videoId.equals(job.videoId()) && job.status().generating()) {
            Poller.Nudge nudge = poller.pollNow(videoId);
            answer(ctx, nudge.name().toLowerCase(Locale.ROOT), 204, null);
            return;
        }
        if (!videoId.equals(job.videoId())) {
            // e.g. a job that ended submission_unknown before its callback came: the video named may have been billed
            Log.infof("callback from %s: job %s (%s) names video %s, which it does not follow; ignored",
                    LogText.safe(provider), LogText.safe(jobId), job.status().wireName(), LogText.safe(videoId));
        }
        answer(ctx, "ignored", 204, null);
    }

    /** The video of a job whose create's answer was lost (or has not come yet): adopted through its driver. */
    private void adopt(RoutingContext ctx, JobState job, String videoId, String remembered) {
        if (store.followedByAnother(videoId, job.jobId())) {
            Log.warnf("callback for job %s names video %s, which another job follows; ignored",
                    LogText.safe(job.jobId()), LogText.safe(videoId));
            answer(ctx, "video_taken", 204, null);
            return;
        }
        submitter.calledBack(job, videoId).subscribe().with(
                next -> answer(ctx, next != null && videoId.equals(next.videoId()) ? "adopted" : "ignored", 204,
                        null),
                e -> {
                    seen.forget(remembered);
                    Log.warnf("callback for job %s: its video %s could not be recorded (%s); asking for a "
                            + "redelivery", LogText.safe(job.jobId()), LogText.safe(videoId),
                            e.getClass().getSimpleName());
                    ctx.response().putHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
                    answer(ctx, "not_recorded", 503, "{\"error\":\"not recorded; deliver again\"}");
                });
    }

    private void answer(RoutingContext ctx, String outcome, int status, String json) {
        Counter.builder(METRIC).description("Provider callbacks by outcome").tag("outcome", outcome)
                .register(registry).increment();
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status);
        if (json == null) {
            ctx.response().end();
        } else {
            ctx.response().putHeader("content-type", "application/json").end(json);
        }
    }
}
