package dev.videoworker.simulator;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Immutable settings of the Videos API simulator, free of Quarkus so the standalone server and tests build them
 * directly.
 *
 * @param apiKey           the only Bearer key accepted; when empty every request is answered 401
 * @param duration         time from create to {@code completed}
 * @param queuedFraction   share of {@code duration} spent {@code queued} before {@code in_progress}
 * @param expiresAfter     how long content stays downloadable after completion
 * @param fps              frame rate of the generated MP4
 * @param moderationMarker a prompt containing it ends {@code failed} like a moderation rejection
 * @param cacheDir         where rendered media is cached; empty means a temporary directory removed on close
 * @param faults           faults injected into API calls at random ({@code simulator.faults.*}); none by default
 * @param webhook          where signed {@code video.completed} / {@code video.failed} events go; empty: none are sent
 * @param openRouterWebhookSecret what OpenRouter callbacks ({@code callback_url}) are signed with; empty: they are
 *                         sent unsigned, as OpenRouter does without a workspace signing secret
 */
public record SimulatorSettings(
        Optional<String> apiKey,
        Duration duration,
        double queuedFraction,
        Duration expiresAfter,
        int fps,
        String moderationMarker,
        Optional<Path> cacheDir,
        FaultSettings faults,
        Optional<WebhookTarget> webhook,
        Optional<String> openRouterWebhookSecret) {

    public static final Duration DEFAULT_DURATION = Duration.ofMinutes(2);
    public static final double DEFAULT_QUEUED_FRACTION = 0.1;
    public static final Duration DEFAULT_EXPIRES_AFTER = Duration.ofHours(1);
    public static final int DEFAULT_FPS = 8;
    public static final String DEFAULT_MODERATION_MARKER = "[simulate:moderation]";

    public SimulatorSettings {
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(expiresAfter, "expiresAfter");
        Objects.requireNonNull(moderationMarker, "moderationMarker");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(webhook, "webhook");
        Objects.requireNonNull(openRouterWebhookSecret, "openRouterWebhookSecret");
        openRouterWebhookSecret = openRouterWebhookSecret.map(String::trim).filter(secret -> !secret.isEmpty());
        apiKey = apiKey.filter(key -> !key.isBlank());
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("simulator.duration must be positive, got " + duration);
        }
        if (!(queuedFraction >= 0.0 && queuedFraction < 1.0)) {
            throw new IllegalArgumentException("simulator.queued-fraction must be in [0, 1), got " + queuedFraction);
        }
        if (expiresAfter.isNegative()) {
            throw new IllegalArgumentException("simulator.expires-after must not be negative, got " + expiresAfter);
        }
        if (fps < 1 || fps > 60) {
            throw new IllegalArgumentException("simulator.fps must be between 1 and 60, got " + fps);
        }
        if (moderationMarker.isEmpty()) {
            throw new IllegalArgumentException("simulator.moderation-marker must not be empty");
        }
    }

    /** The documented defaults, with no API key (so every request is refused until one is set). */
    public static SimulatorSettings defaults() {
        return new SimulatorSettings(Optional.empty(), DEFAULT_DURATION, DEFAULT_QUEUED_FRACTION, DEFAULT_EXPIRES_AFTER,
                DEFAULT_FPS, DEFAULT_MODERATION_MARKER, Optional.empty(), FaultSettings.none(),
                Optional.empty(), Optional.empty());
    }

    /**
     * Reads the settings through {@code lookup}, which receives the key without the {@code simulator.} prefix
     * ({@code api-key}, {@code duration}, ...) and answers null when the key is not set.
     */
    public static SimulatorSettings fromLookup(Function<String, String> lookup) {
        SimulatorSettings defaults = defaults();
        return new SimulatorSettings(
                Optional.ofNullable(lookup.apply("api-key")),
                Optional.ofNullable(lookup.apply("duration")).map(SimulatorSettings::parseDuration)
                        .orElse(defaults.duration()),
                Optional.ofNullable(lookup.apply("queued-fraction")).map(String::trim).map(Double::parseDouble)
                        .orElse(defaults.queuedFraction()),
                Optional.ofNullable(lookup.apply("expires-after")).map(SimulatorSettings::parseDuration)
                        .orElse(defaults.expiresAfter()),
                Optional.ofNullable(lookup.apply("fps")).map(String::trim).map(Integer::parseInt)
                        .orElse(defaults.fps()),
                Optional.ofNullable(lookup.apply("moderation-marker")).orElse(defaults.moderationMarker()),
                Optional.ofNullable(lookup.apply("cache-dir")).filter(dir -> !dir.isBlank()).map(Path::of),
                FaultSettings.fromLookup(lookup),
                webhook(lookup.apply("webhook-url"), lookup.apply("webhook-secret")),
                Optional.ofNullable(lookup.apply("openrouter-webhook-secret")));
    }

    /** The webhook target of {@code simulator.webhook-url} and {@code simulator.webhook-secret}; no URL: none. */
    public static Optional<WebhookTarget> webhook(String url, String secret) {
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("simulator.webhook-url is set but simulator.webhook-secret is not");
        }
        return Optional.of(new WebhookTarget(URI.create(url.trim()), secret.trim()));
    }

    /**
     * Accepts ISO-8601 ({@code PT2M}) and the short forms Quarkus accepts ({@code 90}, {@code 500ms}, {@code 10s},
     * {@code 2m}, {@code 1h}).
     */
    static Duration parseDuration(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith("p")) {
            return Duration.parse(value.toUpperCase(Locale.ROOT));
        }
        if (value.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
        }
        if (value.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        if (value.matches("\\d+[smhd]")) {
            return Duration.parse((value.endsWith("d") ? "P" : "PT") + value.toUpperCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("Not a duration: " + text);
    }

    public SimulatorSettings withApiKey(String key) {
        return new SimulatorSettings(Optional.ofNullable(key), duration, queuedFraction, expiresAfter, fps,
                moderationMarker, cacheDir, faults, webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withDuration(Duration value) {
        return new SimulatorSettings(apiKey, value, queuedFraction, expiresAfter, fps, moderationMarker, cacheDir,
                faults, webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withQueuedFraction(double value) {
        return new SimulatorSettings(apiKey, duration, value, expiresAfter, fps, moderationMarker, cacheDir, faults,
                webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withExpiresAfter(Duration value) {
        return new SimulatorSettings(apiKey, duration, queuedFraction, value, fps, moderationMarker, cacheDir, faults,
                webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withFps(int value) {
        return new SimulatorSettings(apiKey, duration, queuedFraction, expiresAfter, value, moderationMarker, cacheDir,
                faults, webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withModerationMarker(String value) {
        return new SimulatorSettings(apiKey, duration, queuedFraction, expiresAfter, fps, value, cacheDir, faults,
                webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withCacheDir(Path value) {
        return new SimulatorSettings(apiKey, duration, queuedFraction, expiresAfter, fps, moderationMarker,
                Optional.ofNullable(value), faults, webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withWebhook(WebhookTarget value) {
        return new SimulatorSettings(apiKey, duration, queuedFraction, expiresAfter, fps, moderationMarker, cacheDir,
                faults, Optional.ofNullable(value), openRouterWebhookSecret);
    }

    public SimulatorSettings withFaults(FaultSettings value) {
        return new SimulatorSettings(apiKey, duration, queuedFraction, expiresAfter, fps, moderationMarker, cacheDir,
                value, webhook, openRouterWebhookSecret);
    }

    public SimulatorSettings withOpenRouterWebhookSecret(String value) {
        return new SimulatorSettings(apiKey, duration, queuedFraction, expiresAfter, fps, moderationMarker, cacheDir,
                faults, webhook, Optional.ofNullable(value));
    }

    /** Says whether a key is set, never the key itself, so settings can be logged. */
    @Override
    public String toString() {
        return "SimulatorSettings[apiKey=" + (apiKey.isPresent() ? "<set>" : "<unset: every request is 401>")
                + ", duration=" + duration + ", queuedFraction=" + queuedFraction + ", expiresAfter=" + expiresAfter
                + ", fps=" + fps + ", moderationMarker=" + moderationMarker
                + ", cacheDir=" + cacheDir.map(Path::toString).orElse("<temporary>") + ", " + faults
                + ", webhook=" + webhook.map(WebhookTarget::toString).orElse("<none>")
                + ", openRouterWebhookSecret=" + (openRouterWebhookSecret.isPresent() ? "<set>" : "<none>") + "]";
    }
}
