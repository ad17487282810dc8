package dev.videoworker.simulator;

import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The simulator on its own Vert.x HTTP server, outside Quarkus: used by {@link SimulatorMain}, by tests and by
 * anything else that needs a provider on a port.
 */
public final class SimulatorServer implements AutoCloseable {

    private static final long STOP_TIMEOUT_SECONDS = 10;
    /** Call counters of the standalone server, for benchmarks that count provider requests per job. */
    public static final String STATS_PATH = "/_sim/stats";

    private final Vertx vertx;
    private final HttpServer server;
    private final VideoSimulator simulator;
    private final String host;
    private final SimulatorWebhooks webhooks;

    private SimulatorServer(Vertx vertx, HttpServer server, VideoSimulator simulator, String host,
            SimulatorWebhooks webhooks) {
        this.vertx = vertx;
        this.server = server;
        this.simulator = simulator;
        this.host = host;
        this.webhooks = webhooks;
    }

    /** Starts a server on {@code host:port} (port 0 picks a free one) and waits until it listens. */
    public static SimulatorServer start(SimulatorSettings settings, Clock clock, String host, int port)
            throws InterruptedException {
        Vertx vertx = Vertx.vertx();
        VideoSimulator simulator = new VideoSimulator(settings, clock);
        // every dialect is served, OpenRouter's callbacks too
        SimulatorWebhooks webhooks = SimulatorWebhooks.attach(vertx, simulator);
        try {
            Router router = Router.router(vertx);
            new SimulatorRoutes(simulator).mount(router);
            router.get(STATS_PATH).handler(ctx -> stats(ctx, simulator));
            HttpServer server = vertx.createHttpServer(formLimits(new HttpServerOptions())).requestHandler(router)
                    .listen(port, host)
                    .toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new SimulatorServer(vertx, server, simulator, host, webhooks);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            simulator.close();
            vertx.close();
            throw new IllegalStateException("Could not start the simulator on " + host + ":" + port, e);
        }
    }

    /** Lets form bodies carry every field the API accepts; see {@link SimulatorRoutes#FORM_ATTRIBUTE_LIMIT}. */
    static HttpServerOptions formLimits(HttpServerOptions options) {
        return options.setMaxFormAttributeSize(SimulatorRoutes.FORM_ATTRIBUTE_LIMIT);
    }

    public static SimulatorServer start(SimulatorSettings settings, String host, int port)
            throws InterruptedException {
        return start(settings, Clock.systemUTC(), host, port);
    }

    /**
     * {@code GET /_sim/stats} (same Bearer key as the API): calls per endpoint that passed the key check, and creates,
     * since start.
     */
    private static void stats(RoutingContext ctx, VideoSimulator simulator) {
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim() : null;
        if (!simulator.acceptsKey(presented)) {
            ctx.response().setStatusCode(401).end();
            return;
        }
        JsonObject calls = new JsonObject();
        for (Endpoint endpoint : Endpoint.values()) {
            calls.put(endpoint.name().toLowerCase(Locale.ROOT), simulator.callCount(endpoint));
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("calls", calls).put("creates", simulator.createCount()).encode());
    }

    public int port() {
        return server.actualPort();
    }

    /** {@code http://host:port}, without {@code /v1}, as the worker's {@code worker.provider.base-url} wants it. */
    public String baseUrl() {
        String shown = "0.0.0.0".equals(host) ? "localhost" : host;
        return "http://" + shown + ":" + port();
    }

    public VideoSimulator simulator() {
        return simulator;
    }

    /** The sender of webhooks ({@link SimulatorSettings#webhook()}) and OpenRouter callbacks. */
    public Optional<SimulatorWebhooks> webhooks() {
        return Optional.ofNullable(webhooks);
    }

    /** Stops listening, waits for Vert.x to close and removes temporary media. */
    @Override
    public void close() {
        if (webhooks != null) {
            webhooks.close();
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closing is best effort; the media cache is removed either way
        } finally {
            simulator.close();
        }
    }
}
