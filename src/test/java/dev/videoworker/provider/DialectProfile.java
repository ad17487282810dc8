package dev.videoworker.provider;

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

    /** {@code openrouter} at {@code /openrouter/api/v1/videos}. */
    public static class OpenRouter extends DialectProfile {
        public OpenRouter() {
            super("openrouter");
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
