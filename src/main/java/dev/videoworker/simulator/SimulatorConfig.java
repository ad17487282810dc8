package dev.videoworker.simulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the simulator embedded in the worker ({@code simulator.*}); mapped to {@link SimulatorSettings}.
 */
@ConfigMapping(prefix = "simulator")
public interface SimulatorConfig {

    /** Serve the simulated Videos API under {@code /v1/videos} on the worker's HTTP port. */
    @WithDefault("false")
    boolean enabled();

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

    /** Where signed {@code video.completed} / {@code video.failed} events are POSTed; unset: no webhooks. */
    Optional<String> webhookUrl();

    /** {@code whsec_<base64>} secret the webhooks are signed with; required with {@link #webhookUrl()}. */
    Optional<String> webhookSecret();
}
