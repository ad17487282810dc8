package dev.videoworker.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.provider.ProviderHealth;
import dev.videoworker.provider.Providers;
import dev.videoworker.provider.VideosClient;

/**
 * Ready while the Videos API (or the embedded simulator) answers with the configured key. Recent calls of the worker
 * count; only when there were none lately is a cheap {@code GET /v1/videos?limit=1} made, at most once a
 * {@link #PROBE_EVERY}, so the probe itself does not eat into the provider's rate limit.
 */
@Readiness
@ApplicationScoped
public class ProviderReadiness implements HealthCheck {

    static final Duration RECENT = Duration.ofSeconds(60);
    static final Duration PROBE_EVERY = Duration.ofSeconds(30);
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final ProviderHealth health;
    private final Providers providers;
    private final ModelCatalog catalog;
    private final String baseUrl;
    private Instant lastProbe = Instant.MIN;

    public ProviderReadiness(ProviderHealth health, Providers providers, WorkerConfig config,
            ModelCatalog catalog) {
        this.catalog = catalog;
        this.health = health;
        this.providers = providers;
        this.baseUrl = config.provider().baseUrl();
    }

    @Override
    public HealthCheckResponse call() {
        probeIfDue();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("videos-api").withData("url", baseUrl);
        for (VideosClient client : providers.all()) {
            response.withData("provider." + client.provider(), client.settings().baseUrl() + " ("
                    + client.settings().dialect().name() + "): " + providers.health(client.provider()).state()
                    .name().toLowerCase(Locale.ROOT));
        }
        String unavailable = String.join(", ", catalog.allOffers().stream().filter(catalog::unavailable)
                .map(o -> o.model() + " at " + o.provider()).toList());
        if (!unavailable.isEmpty()) {
            response.withData("unavailable-models", unavailable);
        }
        ProviderHealth.State state = health.state();
        return switch (state) {
            case ANSWERING -> response.up().build();
            case UNKNOWN -> response.up().withData("note", "no call made yet").build();
            case KEY_REFUSED -> response.down().withData("error", "the provider refuses the API key (401/403)")
                    .build();
            case UNREACHABLE -> response.down().withData("error", "no answer from the provider").build();
        };
    }

    /**
     * Starts a probe when the worker has not heard from the provider lately; never waits for it, so readiness answers
     * at once from what is known (a first request finds no call made yet). The probe's answer reaches
     * {@link ProviderHealth} through the client's call hook, for the next request.
     */
    private void probeIfDue() {
        Instant now = Instant.now();
        synchronized (this) {
            if (!health.lastAnswer().isBefore(now.minus(RECENT)) || !lastProbe.isBefore(now.minus(PROBE_EVERY))) {
                return;
            }
            lastProbe = now;
        }
        for (VideosClient client : providers.all()) {
            client.probe().ifNoItem().after(PROBE_TIMEOUT).fail().subscribe().with(done -> { }, failed -> { });
        }
    }
}
