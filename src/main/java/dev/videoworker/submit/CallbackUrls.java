package dev.videoworker.submit;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.provider.ProviderSettings;

/**
 * The callback URL a create call carries where the provider calls back (OpenRouter's {@code callback_url}):
 * {@code <worker.webhooks.public-url>/webhooks/providers/<provider>?job=<job id>}. The job id in it is how the worker
 * learns which job a video is for when the create's answer was lost. Only providers with a webhook secret get one: an
 * unsigned callback could name any video for any job.
 */
@ApplicationScoped
public class CallbackUrls {

    /** Path prefix of the callback route; the provider's name follows. */
    public static final String PATH = "/webhooks/providers/";
    /** The Vert.x route of the callbacks. */
    public static final String ROUTE = PATH + ":provider";
    /** Query parameter holding the job id. */
    public static final String JOB_PARAMETER = "job";

    private final Optional<String> publicUrl;

    @Inject
    public CallbackUrls(WorkerConfig config) {
        this(config.webhooks().publicUrl());
    }

    CallbackUrls(Optional<String> publicUrl) {
        this.publicUrl = publicUrl.map(String::trim).filter(u -> !u.isEmpty()).map(u -> u.replaceAll("/+$", ""));
    }

    /** Whether a create at {@code provider} carries a callback URL: it takes one, has a secret, a public URL is set. */
    public boolean sent(ProviderSettings provider) {
        return publicUrl.isPresent() && provider.dialect().capabilities().callbackUrl()
                && provider.webhookSecrets().stream().anyMatch(s -> s != null && !s.isBlank());
    }

    /** The callback URL of job {@code jobId} at {@code provider}, when {@link #sent} says one is sent. */
    public Optional<String> of(ProviderSettings provider, String jobId) {
        return sent(provider) ? Optional.of(url(publicUrl.get(), provider.name(), jobId)) : Optional.empty();
    }

    /** Whether {@code worker.webhooks.public-url} is set. */
    public boolean publicUrlSet() {
        return publicUrl.isPresent();
    }

    /** {@code <base>/webhooks/providers/<provider>?job=<job id>}, both percent-encoded (a space as {@code %20}). */
    static String url(String base, String provider, String jobId) {
        return base + PATH + encode(provider) + "?" + JOB_PARAMETER + "=" + encode(jobId);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
