package dev.videoworker.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * The worker's configuration as the application reads it (the real application.properties), with overrides, for
 * tests that build beans by hand.
 */
public final class TestConfig {

    private TestConfig() {
    }

    public static WorkerConfig worker(Map<String, String> overrides) {
        URL props = TestConfig.class.getClassLoader().getResource("application.properties");
        try {
            SmallRyeConfig config = new SmallRyeConfigBuilder()
                    .withMapping(WorkerConfig.class)
                    .withConverter(Duration.class, 100, new DurationConverter())
                    .withSources(new PropertiesConfigSource(props))
                    // The default provider is OpenAI's, whose Videos API is switched off: tests of the catalog's
                    // rules talk to a provider that still serves the models (as the test profile's simulator does).
                    .withSources(new MapBackedConfigSource("test provider", Map.of("worker.provider.base-url",
                            "http://127.0.0.1:9"), 300) {
                    })
                    .withSources(new MapBackedConfigSource("test overrides", overrides, 500) {
                    })
                    .build();
            return config.getConfigMapping(WorkerConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
