package dev.videoworker.simulator;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/**
 * The simulator inside the worker: serves {@code /v1/videos} (and the other dialects, {@code simulator.dialects}) on
 * the worker's own HTTP port when {@code simulator.enabled=true}, so the worker can point
 * {@code worker.provider.base-url} at itself.
 *
 * <p>As a server options customizer it raises the form field limit of that port when enabled: Quarkus's 2 KiB
 * ({@code quarkus.http.limits.max-form-attribute-size}) refuses prompts the API accepts, and the limit is one per
 * server, not per route.
 */
@ApplicationScoped
public class EmbeddedSimulator implements HttpServerOptionsCustomizer {

    private final SimulatorConfig config;
    private final VideoSimulator simulator;
    private final Vertx vertx;
    private SimulatorWebhooks webhooks;

    public EmbeddedSimulator(SimulatorConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
        // cheap even when disabled: media and their directory are only created on the first download
        this.simulator = new VideoSimulator(new SimulatorSettings(config.apiKey(), config.duration(),
                config.queuedFraction(), config.expiresAfter(), config.fps(), config.moderationMarker(),
                config.cacheDir(), config.faults().settings(),
                SimulatorSettings.webhook(config.webhookUrl().orElse(null), config.webhookSecret().orElse(null)),
                config.openrouterWebhookSecret()));
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        if (config.enabled()) {
            SimulatorServer.formLimits(options);
        }
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        customizeHttpServer(options);
    }

    void mount(@Observes Router router) {
        if (!config.enabled()) {
            return;
        }
        SimulatorRoutes routes = new SimulatorRoutes(simulator, config.dialects(),
                config.resultBaseUrl().orElse(null));
        routes.mount(router);
        if (simulator.settings().webhook().isPresent() || config.dialects().contains("openrouter")) {
            webhooks = SimulatorWebhooks.attach(vertx, simulator);
        }
        Log.infof("Videos API simulator enabled on %s (%s)", String.join(", ", routes.paths()),
                simulator.settings());
        if (simulator.settings().apiKey().isEmpty()) {
            Log.warn("simulator.api-key is not set: every simulator request will be answered 401");
        }
    }

    /** The engine, for tests that count creates or reset state between tests. */
    public VideoSimulator simulator() {
        return simulator;
    }

    @PreDestroy
    void close() {
        if (webhooks != null) {
            webhooks.close();
        }
        simulator.close();
    }
}
