package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.videoworker.provider.Dialects;
import dev.videoworker.provider.ProviderSettings;

/** The callback URL a create carries: where it points, how the job id is encoded, and when there is none. */
class CallbackUrlsTest {

    private static ProviderSettings provider(String name, String dialect, List<String> secrets) {
        return new ProviderSettings(name, "http://127.0.0.1:9", Dialects.named(dialect), "sk-FAKE-0000", "default",
                1, 100, true, Map.of(), secrets, 0);
    }

    private static final ProviderSettings OPENROUTER = provider("openrouter", "openrouter",
            List.of("FAKE-signing-secret"));

    @Test
    void namesTheProviderAndTheEncodedJobIdUnderThePublicUrl() {
        CallbackUrls urls = new CallbackUrls(Optional.of("https://worker.example.com/"));
        String jobId = "job 1&job=other/../ü?#";

        String url = urls.of(OPENROUTER, jobId).orElseThrow();

        URI uri = URI.create(url);
        assertThat(uri.getScheme()).isEqualTo("https");
        assertThat(uri.getHost()).isEqualTo("worker.example.com");
        assertThat(uri.getRawPath()).isEqualTo("/webhooks/providers/openrouter");
        assertThat(uri.getRawQuery()).startsWith("job=").doesNotContain("&", "#", "/", " ", "+");
        assertThat(uri.getRawFragment()).isNull();
        assertThat(URLDecoder.decode(uri.getRawQuery().substring(4), StandardCharsets.UTF_8)).isEqualTo(jobId);
    }

    @Test
    void noCallbackUrlWithoutAPublicUrl() {
        CallbackUrls urls = new CallbackUrls(Optional.empty());
        assertThat(urls.of(OPENROUTER, "job-1")).isEmpty();
        assertThat(urls.sent(OPENROUTER)).isFalse();
        assertThat(new CallbackUrls(Optional.of("  ")).publicUrlSet()).isFalse();
    }

    @Test
    void noCallbackUrlForAProviderWithoutSecretOrWithoutCallbacks() {
        CallbackUrls urls = new CallbackUrls(Optional.of("https://worker.example.com"));
        assertThat(urls.of(provider("openrouter", "openrouter", List.of()), "job-1")).isEmpty();
        assertThat(urls.of(provider("openrouter", "openrouter", List.of(" ")), "job-1")).isEmpty();
        assertThat(urls.of(provider("openai", "openai", List.of("FAKE-signing-secret")), "job-1")).isEmpty();
        assertThat(urls.of(provider("together", "together", List.of("FAKE-signing-secret")), "job-1")).isEmpty();
    }
}
