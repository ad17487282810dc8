package dev.videoworker.simulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Settings of the simulator embedded in the worker ({@code simulator.*}); mapped to {@link SimulatorSettings}.
 */
@ConfigMapping(prefix = "simulator")
public interface SimulatorConfig {

    /** Serve the simulated Videos API under {@code /v1/videos} on the worker's HTTP port. */
    @WithDefault("false")
    boolean enabled();

    /**
     * The dialects served: {@code openai} ({@code /v1/videos} and {@code /openai/v1/videos}), {@code openrouter}
     * ({@code /openrouter/api/v1/videos}), {@code together} ({@code /together/v2/videos}), {@code url-result}
     * ({@code /url-result/v1/videos}); all by default.
     */
    @WithDefault("openai,openrouter,together,url-result")
    List<String> dialects();

    /**
     * Origin ({@code http://host:port}) of the keyless result URLs that {@code together} and {@code url-result}
     * answers name; unset: the origin the client called, so the URLs are on the provider's own origin. Another host
     * name makes the worker treat them as foreign.
     */
    Optional<String> resultBaseUrl();

    /** The only Bearer key accepted. When unset, every request is answered 401 (a simulator never runs open). */
    Optional<String> apiKey();

    /** Time from create to {@code completed}. */
    @WithDefault("PT2M")
    Duration duration();

    /** Share of {@link #duration()} a job spends {@code queued}, in [0, 1). */
    @WithDefault("0.1")
    double queuedFraction();

    /** How long content stays downloadable after completion ({@code expires_at}). */
    @WithDefault("PT1H")
    Duration expiresAfter();

    /** Frame rate of the generated MP4; low keeps rendering cheap. */
    @WithDefault("8")
    int fps();

    /** A prompt containing this text ends {@code failed} with {@code moderation_blocked}. */
    @WithDefault("[simulate:moderation]")
    String moderationMarker();

    /** Directory where rendered media is cached; default a temporary directory removed at shutdown. */
    Optional<Path> cacheDir();

    /** Faults injected at random into API calls; see {@link FaultSettings}. */
    Faults faults();

    /** {@code simulator.faults.*}: each rate is the share of calls hit, and the rates add up to at most 1. */
    interface Faults {
        /** 429 with {@code Retry-After}. */
        @WithDefault("0")
        double rateLimitRate();

        /** 500. */
        @WithDefault("0")
        double serverErrorRate();

        /** 503 with {@code Retry-After}. */
        @WithDefault("0")
        double unavailableRate();

        /** The connection closed without an answer. */
        @WithDefault("0")
        double resetRate();

        /** No answer for {@link #stallDuration()}, then the connection closed. */
        @WithDefault("0")
        double stallRate();

        @WithDefault("PT90S")
        Duration stallDuration();

        /** Creates that make the video but answer 504 with a gateway's HTML page. */
        @WithName("create-lost-504-rate")
        @WithDefault("0")
        double createLost504Rate();

        /** Creates that make the video, then close the connection without an answer. */
        @WithDefault("0")
        double createResetRate();

        /** Creates that make the video and hold the answer for {@link #createStallDuration()}. */
        @WithDefault("0")
        double createStallRate();

        /** List pages asked for after a cursor answered 404 for it, as when its video was deleted meanwhile. */
        @WithDefault("0")
        double listCursorGoneRate();

        @WithDefault("PT90S")
        Duration createStallDuration();

        /** Content bodies that end halfway. */
        @WithDefault("0")
        double truncateRate();

        /** Content bodies spread over {@link #slowContentDuration()}. */
        @WithDefault("0")
        double slowContentRate();

        @WithDefault("PT10S")
        Duration slowContentDuration();

        /** Share of jobs whose content expires {@link #expireAfterCompletion()} after completion. */
        @WithDefault("0")
        double expireRate();

        @WithDefault("PT5S")
        Duration expireAfterCompletion();

        /** {@code Retry-After} of injected 429 and 503 answers. */
        @WithDefault("PT1S")
        Duration retryAfter();

        /** How long after its creation a video appears in the list (retrieve finds it at once). */
        @WithDefault("PT0S")
        Duration listLag();

        /** List entries leave out {@code prompt}. */
        @WithDefault("false")
        boolean listOmitsPrompt();

        /** Seed of the draws; unset picks one at random. */
        OptionalLong seed();

        /** As the simulator's immutable settings. */
        default FaultSettings settings() {
            Map<Fault, Double> rates = new EnumMap<>(Fault.class);
            rates.put(Fault.RATE_LIMIT, rateLimitRate());
            rates.put(Fault.SERVER_ERROR, serverErrorRate());
            rates.put(Fault.UNAVAILABLE, unavailableRate());
            rates.put(Fault.RESET, resetRate());
            rates.put(Fault.STALL, stallRate());
            rates.put(Fault.TRUNCATE, truncateRate());
            rates.put(Fault.SLOW_CONTENT, slowContentRate());
            rates.put(Fault.CREATE_LOST_504, createLost504Rate());
            rates.put(Fault.CREATE_RESET, createResetRate());
            rates.put(Fault.CREATE_STALL, createStallRate());
            rates.put(Fault.LIST_CURSOR_GONE, listCursorGoneRate());
            return new FaultSettings(rates, stallDuration(), createStallDuration(), slowContentDuration(),
                    expireRate(), expireAfterCompletion(), retryAfter(), listLag(), listOmitsPrompt(), seed());
        }
    }

    /** Where signed {@code video.completed} / {@code video.failed} events are POSTed; unset: no webhooks. */
    Optional<String> webhookUrl();

    /** {@code whsec_<base64>} secret the webhooks are signed with; required with {@link #webhookUrl()}. */
    Optional<String> webhookSecret();

    /**
     * The secret OpenRouter callbacks ({@code callback_url} of the {@code openrouter} dialect) are signed with
     * ({@code X-OpenRouter-Signature}); unset: they are sent unsigned. Never logged.
     */
    Optional<String> openrouterWebhookSecret();
}
