package dev.videoworker.simulator;

import java.time.Instant;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.videoworker.testing.MutableClock;

/**
 * Starts the standalone simulator on a free loopback port for a test class and forgets all jobs before each test.
 * Register it as a static {@code @RegisterExtension} field.
 */
final class SimulatorServerExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    static final String API_KEY = "sk-simulator-test";

    private final SimulatorSettings settings;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    private SimulatorServer server;

    SimulatorServerExtension(SimulatorSettings settings) {
        this.settings = settings.withApiKey(API_KEY);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = SimulatorServer.start(settings, clock, "127.0.0.1", 0);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server.simulator().reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    String baseUrl() {
        return server.baseUrl();
    }

    MutableClock clock() {
        return clock;
    }

    VideoSimulator simulator() {
        return server.simulator();
    }
}
