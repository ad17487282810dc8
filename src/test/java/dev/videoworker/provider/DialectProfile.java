package dev.videoworker.provider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.videoworker.testing.IsolatedTopics;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The default provider speaking {@code dialect} to the embedded simulator's API of that dialect (the only one it
 * serves here), on topics of its own: jobs of other test classes never reach a provider that speaks otherwise.
 */
public abstract class DialectProfile implements QuarkusTestProfile {

    private final String dialect;

    protected DialectProfile(String dialect) {
        this.dialect = dialect;
    }

    static IsolatedTopics topics(String dialect) {
        return new IsolatedTopics("dialect-" + dialect + "-test");
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return topics(dialect).config(Map.of(
                "worker.provider.dialect", dialect,
                WorkerTestResources.PROVIDER_PATH, "/" + dialect,
                "simulator.dialects", dialect));
    }

    /**
     * {@code openrouter} at {@code /openrouter/api/v1/videos}, with callbacks: the worker's own port as its public
     * URL, one signing secret shared with the simulator, and a callback window and create timeout of seconds.
     */
    public static class OpenRouter extends DialectProfile {
        static final String CALLBACK_SECRET = "FAKE-openrouter-signing-secret";
        static final Duration CALLBACK_WINDOW = Duration.ofSeconds(10);
        static final Duration CREATE_TIMEOUT = Duration.ofSeconds(2);
        static final Path LOG = Path.of("target", "secret-scan", "openrouter-worker.log");

        public OpenRouter() {
            super("openrouter");
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("worker.webhooks.public-url", "http://127.0.0.1:${quarkus.http.test-port}");
            config.put("worker.webhooks.secret", CALLBACK_SECRET);
            config.put("simulator.openrouter-webhook-secret", CALLBACK_SECRET);
            config.put("worker.jobs.callback-window", CALLBACK_WINDOW.toSeconds() + "s");
            // a job taken over in submitting is reconciled this long after its intent
            config.put("worker.jobs.create-timeout", CREATE_TIMEOUT.toSeconds() + "s");
            // the worker's own log in a file at debug level, searched for the secret by OpenRouterPipelineTest
            config.put("quarkus.log.file.enabled", "true");
            config.put("quarkus.log.file.path", LOG.toString());
            config.put("quarkus.log.file.level", "DEBUG");
            config.put("quarkus.log.category.\"dev.videoworker\".level", "DEBUG");
            return config;
        }
    }

    /** {@code together} at {@code /together/v2/videos}. */
    public static class Together extends DialectProfile {
        public Together() {
            super("together");
        }
    }

    /** {@code url-result} at {@code /url-result/v1/videos}. */
    public static class UrlResult extends DialectProfile {
        public UrlResult() {
            super("url-result");
        }
    }
}
