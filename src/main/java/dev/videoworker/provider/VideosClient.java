package dev.videoworker.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.flow.AsyncPermits;
import dev.videoworker.log.LogText;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.net.AddressGuard;
import dev.videoworker.net.GuardedDns;
import dev.videoworker.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * The worker's only way to one provider (one per configured provider, see {@link Providers}): adds the key, builds
 * each call from the provider's base URL (its path kept) and its {@link Dialect}, maps the answers to
 * {@link ProviderVideo}, turns every failure into a {@link ProviderException} carrying the provider's own words, and
 * retries transient failures of retrieve, list, delete and opening content ({@code worker.provider.retry.*}). It
 * never retries a create.
 */
public class VideosClient {

    static final String POLL_AFTER_HEADER = "openai-poll-after-ms";
    /** The code of a download refused by {@link ResultUrls} (a final failure: the job ends with it). */
    public static final String RESULT_URL_REFUSED = "result_url_refused";
    /** Redirects one content download follows at most. */
    static final int MAX_REDIRECTS = 5;
    private static final AddressGuard INTERNAL_REFUSED = AddressGuard.permitting(ResultUrlGuard.NETWORKS, List.of());
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final Pattern API_KEY_SHAPE = Pattern.compile("\\b(sk|pk|rk|key)[-_][A-Za-z0-9_\\-*]{6,}");

    private final ProviderSettings settings;
    private final Dialect dialect;
    private final ProviderHttp api;
    private final ProviderCreateHttp createApi;
    private final ObjectMapper mapper;
    private final String authorization;
    private final String apiKeyHeader;
    /** Downloads from the provider's origin, with the key; made on the first one. */
    private final Supplier<OkHttpClient> contentHttp;
    private final RetryPolicy retry;
    private final RetryListener retryListener;
    private final WorkerMetrics metrics;
    private final ProviderHealth health;
    private final Tracing tracing;
    private final AsyncPermits creates;
    private final ResultUrls resultUrls;
    /** Downloads off the provider's origin: no key, no redirects followed by itself, every address guarded. */
    private final Supplier<OkHttpClient> foreignHttp;
    /** Longest wait for a content download's headers, and for each next byte of its body: the API read timeout. */
    private final Duration contentTimeout;
    /** Spacing of polls at {@code polls-per-second} (0: no limit), and the instant the next one may be sent. */
    private final long pollSpacingNanos;
    private final AtomicLong nextPollNanos = new AtomicLong(Long.MIN_VALUE);

    /** Told of every retry before its wait: the call, what it was about, the failed attempt (1: the first call). */
    @FunctionalInterface
    public interface RetryListener {
        void retrying(String call, String target, int attempt, ProviderException failure, Duration wait);
    }

    /**
     * Decides whether a result URL on another host than the provider's may be downloaded (without the key): throws a
     * {@link ProviderException} saying why not.
     */
    @FunctionalInterface
    public interface ResultUrls {
        void check(URI url) throws ProviderException;

        /**
         * Why the download may not connect to {@code address} (a resolved or connected address of a URL that passed
         * {@link #check}), empty when it may; by default every internal address is refused.
         */
        default Optional<String> refusal(InetAddress address) {
            return INTERNAL_REFUSED.refusal(address);
        }
    }

    VideosClient(ProviderSettings settings, ProviderHttp api, ProviderCreateHttp createApi, ObjectMapper mapper,
            RetryPolicy retry, RetryListener listener, WorkerMetrics metrics, ProviderHealth health, Tracing tracing,
            Duration contentTimeout, Supplier<OkHttpClient> contentHttp, ResultUrls resultUrls,
            Supplier<OkHttpClient> foreignHttp) {
        this.settings = settings;
        this.dialect = settings.dialect();
        this.tracing = tracing;
        this.createApi = createApi;
        this.creates = new AsyncPermits(settings.maxConcurrentCreates());
        this.metrics = metrics;
        this.health = health;
        this.api = api;
        this.retry = retry;
        this.retryListener = listener;
        this.contentTimeout = contentTimeout;
        this.pollSpacingNanos = settings.pollsPerSecond() > 0 ? (long) (1e9 / settings.pollsPerSecond()) : 0;
        this.mapper = mapper;
        this.resultUrls = resultUrls;
        this.foreignHttp = foreignHttp;
        String key = settings.apiKey() == null || settings.apiKey().isBlank() ? null : settings.apiKey();
        boolean bearer = "Authorization".equalsIgnoreCase(dialect.authHeader());
        this.authorization = key != null && bearer ? dialect.authValue(key) : null;
        this.apiKeyHeader = key != null && !bearer ? dialect.authValue(key) : null;
        // Content is streamed with OkHttp: its body stream applies back-pressure, whereas the REST client's Multi
        // return type buffers whatever the server sends (see docs/decisions.md).
        this.contentHttp = contentHttp;
    }

    /** The provider this client calls. */
    public ProviderSettings settings() {
        return settings;
    }

    public String provider() {
        return settings.name();
    }

    public Dialect.Capabilities capabilities() {
        return dialect.capabilities();
    }

    private String url(String path) {
        return path.startsWith("http://") || path.startsWith("https://") ? path : settings.baseUrl() + path;
    }

    /** What to create: the fields of {@code POST /v1/videos}, plus an optional reference image. */
    public record CreateVideo(String model, String prompt, String size, String seconds, byte[] image,
            String imageFileName, String imageContentType) {
    }

    /** One paid call. Never retried here: a failure whose outcome is unknown says so. */
    public Uni<ProviderVideo> create(CreateVideo request) {
        return create(request, null);
    }

    /** {@link #create(CreateVideo)} as a span of the job's trace ({@code traceparent}; null: none). */
    public Uni<ProviderVideo> create(CreateVideo request, String trace) {
        return create(request, trace, () -> Uni.createFrom().item(true));
    }

    /**
     * {@link #create(CreateVideo, String)}, fenced: {@code fence} is asked once the call holds its permit, and the
     * call is sent right after it says yes; when it says no, nothing is sent and the call fails with
     * {@link CallNotSent}; when it fails, nothing is sent and the call fails with the fence's failure.
     */
    public Uni<ProviderVideo> create(CreateVideo request, String trace, Supplier<Uni<Boolean>> fence) {
        return create(request, trace, fence, null);
    }

    /** {@link #create(CreateVideo, String, Supplier)} with a callback URL, where the dialect sends one. */
    public Uni<ProviderVideo> create(CreateVideo request, String trace, Supplier<Uni<Boolean>> fence,
            String callbackUrl) {
        Dialect.Call call = dialect.create(request, dialect.capabilities().callbackUrl() ? callbackUrl : null);
        return creates.run(() -> Uni.createFrom().<Boolean>deferred(fence::get)
                .chain(wanted -> !wanted ? Uni.createFrom().failure(new CallNotSent("create", request.model()))
                        : timed("create", trace, traceparent -> createApi.create(url(call.path()), authorization,
                                apiKeyHeader, traceparent, call.contentType(), call.body())
                                .map(this::toVideo)
                                .onFailure().transform(e -> failure(e, true)))));
    }

    public Uni<ProviderVideo> retrieve(String videoId) {
        return retrieve(videoId, null);
    }

    public Uni<ProviderVideo> retrieve(String videoId, String trace) {
        Duration wait = pollTurn();
        if (!wait.isZero()) {
            return Uni.createFrom().voidItem().onItem().delayIt().by(wait).chain(() -> retrieveNow(videoId, trace));
        }
        return retrieveNow(videoId, trace);
    }

    /**
     * How long a poll waits for its turn under the provider's {@code polls-per-second}: each takes the next slot,
     * evenly spaced; zero when there is no limit or the slot is now. A timer, never a blocked thread.
     */
    Duration pollTurn() {
        return pollTurn(System.nanoTime());
    }

    /** {@link #pollTurn()} at the {@link System#nanoTime()} instant {@code now}. */
    Duration pollTurn(long now) {
        if (pollSpacingNanos == 0) {
            return Duration.ZERO;
        }
        long slot = Math.max(now, nextPollNanos.getAndUpdate(next -> Math.max(next, now) + pollSpacingNanos));
        return Duration.ofNanos(slot - now);
    }

    private Uni<ProviderVideo> retrieveNow(String videoId, String trace) {
        return withRetries("retrieve", videoId, trace, traceparent -> api.get(url(dialect.videoPath(videoId)),
                authorization, apiKeyHeader, traceparent)
                .map(this::toVideo)
                .onFailure().transform(e -> failure(e, false)));
    }

    /** One page of the provider's recent videos. */
    public record Page(List<ProviderVideo> videos, boolean hasMore, String lastId) {
    }

    /**
     * One cheap call, for the readiness check, not retried: a page of one video where the dialect has a list, else a
     * retrieve of an id that does not exist (a 404 says the provider is there and took the key).
     */
    public Uni<Void> probe() {
        if (dialect.capabilities().list()) {
            return timed("list", null, traceparent -> api.list(url(dialect.listPath()), authorization, apiKeyHeader,
                    traceparent, 1, "desc", null)
                    .onFailure().transform(e -> failure(e, false))).replaceWithVoid();
        }
        return timed("retrieve", null, traceparent -> api.get(url(dialect.videoPath("video_readiness_probe")),
                authorization, apiKeyHeader, traceparent)
                .onFailure().transform(e -> failure(e, false))
                .onFailure(e -> e instanceof ProviderException p && p.httpStatus() == 404).recoverWithNull())
                .replaceWithVoid();
    }

    /** One page of the provider's recent videos, newest first, after the cursor {@code after} (null: the start). */
    public Uni<Page> listNewest(int limit, String after) {
        return listNewest(limit, after, null);
    }

    public Uni<Page> listNewest(int limit, String after, String trace) {
        if (!dialect.capabilities().list()) {
            return Uni.createFrom().failure(unsupported("list"));
        }
        return withRetries("list", after == null ? "first page" : "after " + after, trace, traceparent -> api.list(
                url(dialect.listPath()), authorization, apiKeyHeader, traceparent, limit, "desc", after)
                .map(r -> {
                    Dialect.Page page = dialect.page(json(r));
                    return new Page(page.videos().stream().map(VideosClient::redacted).toList(), page.hasMore(),
                            page.lastId());
                })
                .onFailure().transform(e -> failure(e, false)));
    }

    public Uni<Void> delete(String videoId) {
        return delete(videoId, null);
    }

    public Uni<Void> delete(String videoId, String trace) {
        return delete(videoId, trace, () -> true);
    }

    /**
     * Deletes the provider's copy, fenced: {@code stillWanted} is asked just before the call (its quick retries
     * follow without asking again); when it says no, nothing is sent and the call fails with {@link CallNotSent}.
     */
    public Uni<Void> delete(String videoId, String trace, BooleanSupplier stillWanted) {
        return Uni.createFrom().deferred(() -> stillWanted.getAsBoolean() ? deleteNow(videoId, trace)
                : Uni.createFrom().failure(new CallNotSent("delete", videoId)));
    }

    private Uni<Void> deleteNow(String videoId, String trace) {
        if (!dialect.capabilities().delete()) {
            return Uni.createFrom().failure(unsupported("delete"));
        }
        return withRetries("delete", videoId, trace, traceparent -> api.delete(url(dialect.deletePath(videoId)),
                authorization, apiKeyHeader, traceparent)
                .replaceWithVoid()
                .onFailure().transform(e -> failure(e, false)));
    }

    /**
     * Calls {@code once} again after each retryable failure, up to the policy's attempts. The waits are timers, not
     * blocked threads; each attempt is a new subscription, so a new HTTP request.
     */
    private <T> Uni<T> withRetries(String call, String target, String trace,
            Function<String, Uni<? extends T>> once) {
        return attempt(call, target, trace, once, 1);
    }

    /** How a call ended, for the calls' metric: {@code ok}, the answer's HTTP status, or {@code io_error}. */
    static String callStatus(Throwable failure) {
        if (failure == null) {
            return "ok";
        }
        return failure instanceof ProviderException p && p.httpStatus() > 0 ? Integer.toString(p.httpStatus())
                : "io_error";
    }

    /**
     * Sends one call as a span of the job's trace and records its latency and answer when it ends; {@code send} gets
     * the {@code traceparent} to send with it (the span's; null without a trace), so a provider that traces its side
     * joins the job's trace. The clock starts at subscription.
     */
    private <T> Uni<T> timed(String call, String trace, Function<String, Uni<? extends T>> send) {
        long started = System.nanoTime();
        Span span = tracing.providerCall(call, trace);
        // deferred: a call that cannot even be built fails through the same end (span ended, call counted)
        return Uni.createFrom().<T>deferred(() -> send.apply(Tracing.traceparent(span)))
                .onItemOrFailure().invoke((item, failure) -> {
                    metrics.providerCall(settings.name(), call, callStatus(failure), started);
                    health.called(failure);
                    Tracing.end(span, failure);
                });
    }

    private <T> Uni<T> attempt(String call, String target, String trace, Function<String, Uni<? extends T>> once,
            int attempt) {
        return Uni.createFrom().<T>deferred(() -> timed(call, trace, once))
                .onFailure(e -> retry.retries(attempt, e)).recoverWithUni(e -> {
                    Duration wait = beforeRetry(call, target, attempt, (ProviderException) e);
                    Uni<Void> pause = wait.isZero() ? Uni.createFrom().voidItem()
                            : Uni.createFrom().voidItem().onItem().delayIt().by(wait);
                    return pause.chain(() -> attempt(call, target, trace, once, attempt + 1));
                });
    }

    private Duration beforeRetry(String call, String target, int attempt, ProviderException failure) {
        Duration wait = retry.delay(attempt, failure);
        // the status and the provider's code only: messages are redacted, and the key is never part of either
        Log.infof("provider %s (%s): %s on attempt %d of %d; retrying in %d ms", call, target,
                failure.httpStatus() == 0 ? "no answer, " + failure.code() : "HTTP " + failure.httpStatus() + " "
                        + failure.code(), attempt, retry.maxAttempts(), wait.toMillis());
        if (retryListener != null) {
            retryListener.retrying(call, target, attempt, failure, wait);
        }
        return wait;
    }

    /**
     * Opens the finished video as a stream: the dialect's content endpoint (with the key), or the result URL a
     * retrieve names (with the key on the provider's own host; without it, and only where {@link ResultUrls}
     * allows, elsewhere), retrying transient failures of the opening (up to the
     * status line and headers). A body that breaks later is the caller's to handle: it retries the whole upload.
     * Blocking: call it from a worker thread, and close the stream.
     */
    public InputStream openContent(String videoId, String variant) throws IOException {
        return openContent(videoId, variant, null);
    }

    public InputStream openContent(String videoId, String variant, String trace) throws IOException {
        for (int attempt = 1;; attempt++) {
            try {
                return openContentOnce(videoId, variant, trace);
            } catch (ProviderException e) {
                if (!retry.retries(attempt, e)) {
                    throw e;
                }
                Duration wait = beforeRetry("content", videoId, attempt, e);
                try {
                    // this thread is a worker thread that would block on the download anyway
                    TimeUnit.MILLISECONDS.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting to open the content of " + videoId + " again",
                            interrupted);
                }
            }
        }
    }

    private InputStream openContentOnce(String videoId, String variant, String trace) throws IOException {
        long started = System.nanoTime();
        Span span = tracing.providerCall("content", trace);
        try {
            InputStream body = openContentUntimed(videoId, variant, Tracing.traceparent(span));
            metrics.providerCall(settings.name(), "content", callStatus(null), started);
            health.called(null);
            Tracing.end(span, null);
            return body;
        } catch (IOException | RuntimeException e) {
            metrics.providerCall(settings.name(), "content", callStatus(e), started);
            if (!(e instanceof ProviderException p && p.code().startsWith("result_url_"))) {
                // a refused or failing host of a result URL says nothing about the provider's own API
                health.called(e);
            }
            Tracing.end(span, e);
            throw e;
        }
    }

    /**
     * Opens the content endpoint or the result URL, following redirects one hop at a time: hops on the provider's
     * own origin go with the key through the provider's client, and once a hop leaves that origin the rest of the
     * way is a foreign download ({@link #openForeign}), without the key, every hop checked.
     */
    private InputStream openContentUntimed(String videoId, String variant, String traceparent) throws IOException {
        URI uri;
        if (dialect.capabilities().contentEndpoint()) {
            uri = URI.create(url(dialect.contentPath(videoId, variant)));
        } else {
            if (variant != null) {
                throw new ProviderException(404, "variant_not_supported", "Provider " + settings.name() + " ("
                        + dialect.name() + ") serves no variants.", false, false, null, null);
            }
            uri = resultUrl(videoId);
        }
        URI origin = URI.create(settings.baseUrl());
        for (int redirects = 0;; redirects++) {
            if (!sameOrigin(uri, origin)) {
                return openForeign(videoId, uri, redirects);
            }
            Request.Builder request = new Request.Builder().url(uri.toString()).get()
                    // a video is compressed already: OkHttp would otherwise ask for gzip and inflate it here
                    .header("Accept-Encoding", "identity");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            if (apiKeyHeader != null) {
                request.header(dialect.authHeader(), apiKeyHeader);
            }
            if (traceparent != null) {
                request.header(Tracing.TRACEPARENT, traceparent);
            }
            okhttp3.Response response;
            try {
                response = contentHttp.get().newCall(request.build()).execute();
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    // stopping: not the provider's failure, and not to be retried
                    throw new IOException("interrupted while opening the content of " + videoId, e);
                }
                throw new ProviderException(0, "connection_error", "Could not reach the provider for the content of "
                        + videoId + ": " + e.getClass().getSimpleName(), true, false, null, e);
            }
            if (response.code() == 200) {
                return new ContentStream(response.body().byteStream(), contentTimeout, "the content of "
                        + videoId);
            }
            String location = redirect(response.code()) ? first(response, "Location") : null;
            if (location != null) {
                response.close();
                uri = nextHop(videoId, uri, location, redirects);
                continue;
            }
            String body;
            try (okhttp3.Response failed = response; InputStream in = failed.body().byteStream()) {
                body = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
            }
            throw httpFailure(response.code(), body, first(response, "retry-after-ms"), first(response, "Retry-After"),
                    false);
        }
    }

    /**
     * A download off the provider's origin: never with the key, each hop checked by {@link ResultUrls} before it is
     * requested, each resolved and connected address by its guarded client, so a redirect or a DNS answer cannot lead
     * it to an internal address.
     */
    private InputStream openForeign(String videoId, URI first, int redirectsSoFar) throws IOException {
        URI uri = first;
        for (int redirects = redirectsSoFar;; redirects++) {
            resultUrls.check(uri);
            Request request = new Request.Builder().url(uri.toString()).get().header("Accept-Encoding", "identity")
                    .build();
            okhttp3.Response response;
            try {
                response = foreignHttp.get().newCall(request).execute();
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IOException("interrupted while opening the content of " + videoId, e);
                }
                GuardedDns.RefusedAddressException refused = GuardedDns.refusedAddress(e);
                if (refused != null) {
                    // the resolved address goes to the log for the operator, not into the job's error
                    Log.infof("result URL of %s refused: %s", LogText.safe(videoId),
                            LogText.safe(refused.getMessage()));
                    throw ResultUrlGuard.refused(refused.host(), "it resolves to a " + refused.kind() + " address ("
                            + ResultUrlGuard.NETWORKS + " may permit a network)");
                }
                throw new ProviderException(0, "result_url_unreachable", "Could not download the result of " + videoId
                        + " from " + safe(uri) + ": " + e.getClass().getSimpleName(), true, false, null, e);
            }
            if (response.code() == 200) {
                return new ContentStream(response.body().byteStream(), contentTimeout, "the content of "
                        + videoId);
            }
            String location = redirect(response.code()) ? first(response, "Location") : null;
            response.close();
            if (location != null) {
                uri = nextHop(videoId, uri, location, redirects);
                continue;
            }
            int status = response.code();
            boolean gone = status == 404 || status == 410;
            throw new ProviderException(status, gone ? "http_" + status : "result_url_http_" + status, "The result "
                    + "URL's host " + uri.getHost() + " answered HTTP " + status + " for the content of " + videoId
                    + ".", retryable(status, null, false), false, null, null);
        }
    }

    /** A header's first value (OkHttp's {@code header(name)} gives the last), null when absent. */
    private static String first(okhttp3.Response response, String name) {
        List<String> values = response.headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    private static boolean redirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Where a redirect leads, resolved against the hop that answered it; refused past {@link #MAX_REDIRECTS}. */
    private static URI nextHop(String videoId, URI from, String location, int redirects) {
        if (redirects >= MAX_REDIRECTS) {
            throw new ProviderException(0, RESULT_URL_REFUSED, "The content of " + videoId + " redirects more than "
                    + MAX_REDIRECTS + " times (last at " + safe(from) + ").", false, false, null, null);
        }
        try {
            URI next = from.resolve(location.trim());
            Log.debugf("content of %s redirects from %s to %s", LogText.safe(videoId), safe(from), safe(next));
            return next;
        } catch (IllegalArgumentException e) {
            throw new ProviderException(0, RESULT_URL_REFUSED, "The content of " + videoId + " redirects from "
                    + safe(from) + " to a Location that is not a URL.", false, false, null, null);
        }
    }

    /** Scheme, host, port and path only: a query string may carry a signature. */
    static String safe(URI uri) {
        String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority().replaceFirst("^.*@", "");
        return uri.getScheme() + "://" + authority + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** The result URL of a finished video, from a fresh retrieve (signed URLs expire). Blocking. */
    private URI resultUrl(String videoId) {
        ProviderVideo video = retrieve(videoId).await().atMost(contentTimeout.plusSeconds(5));
        if (video.resultUrl() == null) {
            throw new ProviderException(200, "no_result_url", "Provider " + settings.name() + " named no result URL "
                    + "for " + videoId + " (status " + video.rawStatus() + ").", video.status() != ProviderStatus.FAILED,
                    false, null, null);
        }
        try {
            URI uri = URI.create(video.resultUrl());
            if (!uri.isAbsolute()) {
                uri = URI.create(settings.baseUrl() + "/").resolve(uri);
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ProviderException(200, "invalid_result_url", "Provider " + settings.name()
                    + " named a result URL that is not a URL.", false, false, null, null);
        }
    }

    /** The strictest {@link ResultUrls}: no result URL outside the provider's own origin. */
    static void refuseForeignResult(URI url) {
        throw new ProviderException(0, RESULT_URL_REFUSED, "The result URL's host " + url.getHost() + " is not the "
                + "provider's; result URLs elsewhere are not downloaded.", false, false, null, null);
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private ProviderException unsupported(String call) {
        return new ProviderException(0, "unsupported", "Provider " + settings.name() + " (" + dialect.name()
                + ") has no " + call + " endpoint.", false, false, null, null);
    }

    static ProviderException invalidAnswer(String message) {
        return new ProviderException(200, "invalid_response", message, false, false, null, null);
    }

    private JsonNode json(RestResponse<String> response) {
        String text = response.getEntity();
        if (text == null || text.isBlank()) {
            throw invalidAnswer("The provider answered HTTP " + response.getStatus() + " without a body.");
        }
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            throw invalidAnswer("The provider answered HTTP " + response.getStatus() + " with a body that is not "
                    + "JSON.");
        }
    }

    private ProviderVideo toVideo(RestResponse<String> response) {
        Duration pollAfter = Optional.ofNullable(response.getHeaderString(POLL_AFTER_HEADER))
                .flatMap(VideosClient::millis).orElse(null);
        return redacted(dialect.video(json(response), pollAfter));
    }

    private static ProviderVideo redacted(ProviderVideo v) {
        if (v.errorMessage() == null) {
            return v;
        }
        return new ProviderVideo(v.id(), v.status(), v.rawStatus(), v.progress(), v.model(), v.prompt(), v.size(),
                v.seconds(), v.createdAt(), v.completedAt(), v.expiresAt(), v.errorCode(), redact(v.errorMessage()),
                v.pollAfter(), v.costUsd(), v.resultUrl());
    }

    private ProviderException failure(Throwable e, boolean create) {
        if (e instanceof ProviderException p) {
            return p;
        }
        if (e instanceof WebApplicationException web && web.getResponse() != null) {
            Response r = web.getResponse();
            String body = null;
            try {
                body = r.hasEntity() ? r.readEntity(String.class) : null;
            } catch (RuntimeException unreadable) {
                Log.debugf("provider error body unreadable: %s", unreadable.getClass().getSimpleName());
            }
            return httpFailure(r.getStatus(), body, r.getHeaderString("retry-after-ms"),
                    r.getHeaderString("Retry-After"), create);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // A refused connection never carried the request; anything else (reset, timeout) may have.
        boolean notSent = root instanceof ConnectException;
        return new ProviderException(0, "connection_error", "The provider did not answer: "
                + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " (" + root.getMessage() + ")"),
                !create, create && !notSent, null, e);
    }

    private ProviderException httpFailure(int status, String body, String retryAfterMs, String retryAfter,
            boolean create) {
        Dialect.ErrorWords error = null;
        if (body != null && !body.isBlank()) {
            try {
                error = dialect.error(mapper.readTree(body));
            } catch (IOException | RuntimeException notJson) {
                Log.debugf("provider error body is not JSON (HTTP %d)", status);
            }
        }
        if (error != null && error.code() != null && error.code().matches("\\d{3}")) {
            // an integer code is the HTTP status again (OpenRouter): it says nothing more
            error = new Dialect.ErrorWords(null, error.message());
        }
        String code = error != null && error.code() != null ? error.code() : "http_" + status;
        String message;
        if (status == 401 || status == 403) {
            // Providers quote (part of) the key they were sent in these answers: say it in our own words.
            message = "Provider " + settings.name() + " refused the worker's credentials (HTTP " + status + " " + code
                    + "): check the key named " + settings.keyName() + ".";
        } else {
            message = error != null && error.message() != null ? redact(error.message())
                    : "The provider answered HTTP " + status + ".";
        }
        // A 5xx or 408 may come after the provider accepted the job (the answer was lost, not the job): the outcome
        // of such a create is unknown. A 4xx other than 408 is a refusal: nothing was created.
        boolean unknown = create && (status >= 500 || status == 408);
        Duration wait = Optional.ofNullable(retryAfterMs).flatMap(VideosClient::millis)
                .or(() -> Optional.ofNullable(retryAfter).flatMap(VideosClient::retryAfter)).orElse(null);
        return new ProviderException(status, code, message, retryable(status, code, create), unknown, wait, null);
    }

    /**
     * Whether an HTTP answer may be followed by the same call: 408, 409, 429 and 5xx, but never for a create (which
     * is reconciled instead) and never for a moderation refusal, whatever its status.
     */
    static boolean retryable(int status, String code, boolean create) {
        boolean transientStatus = status == 408 || status == 409 || status == 429 || status >= 500;
        return transientStatus && !create && !moderation(code);
    }

    /** Provider codes of content-policy refusals: {@code moderation_blocked}, {@code content_policy_violation}. */
    static boolean moderation(String code) {
        String c = code == null ? "" : code.toLowerCase(Locale.ROOT);
        return c.contains("moderation") || c.contains("content_policy") || c.contains("safety");
    }

    /** Removes anything shaped like an API key from a provider's message before it reaches an event or a log. */
    static String redact(String message) {
        return API_KEY_SHAPE.matcher(message).replaceAll("[redacted]");
    }

    private static Optional<Duration> millis(String value) {
        try {
            return Optional.of(Duration.ofMillis(Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static Optional<Duration> retryAfter(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(Instant.now(), at.toInstant());
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }
}
