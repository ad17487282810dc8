package dev.videoworker.provider;

import java.io.IOException;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.job.Route;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.net.GuardedDns;
import dev.videoworker.net.OnFirstUse;
import dev.videoworker.trace.Tracing;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * Every configured provider and its client: the default one ({@code worker.provider.*}, catalog
 * {@code worker.models}) and those of {@code worker.providers.<name>.*}. A job's calls go to the provider of its
 * pinned {@link Route}; a job without one (written before routes existed) belongs to the default provider.
 */
@ApplicationScoped
public class Providers {

    private final Map<String, VideosClient> clients = new LinkedHashMap<>();
    /** What the last calls to each provider said; the default provider's is the application's {@link ProviderHealth}. */
    private final Map<String, ProviderHealth> healths = new LinkedHashMap<>();
    private final VideosClient defaultClient;

    @Inject
    public Providers(@RestClient ProviderHttp api, @RestClient ProviderCreateHttp createApi, ObjectMapper mapper,
            WorkerConfig config, WorkerMetrics metrics, ProviderHealth health, Tracing tracing) {
        this(settings(config), api, createApi, mapper, new RetryPolicy(config.provider().retry(), new Random()),
                null, metrics, health, tracing, ResultUrlGuard.of(config.provider().resultUrls()));
    }

    /** For tests: chosen providers, retry policy and listener. */
    Providers(List<ProviderSettings> providers, ProviderHttp api, ProviderCreateHttp createApi, ObjectMapper mapper,
            RetryPolicy retry, VideosClient.RetryListener listener, WorkerMetrics metrics, ProviderHealth health,
            Tracing tracing, VideosClient.ResultUrls resultUrls) {
        this(providers, api, createApi, mapper, retry, listener, metrics, health, tracing, resultUrls,
                Duration.ofMillis(ConfigProvider.getConfig()
                        .getOptionalValue("quarkus.rest-client.videos-api.read-timeout", Long.class).orElse(60_000L)));
    }

    /** For tests: {@code contentTimeout} the longest wait for a download's headers and for each read of its body. */
    Providers(List<ProviderSettings> providers, ProviderHttp api, ProviderCreateHttp createApi, ObjectMapper mapper,
            RetryPolicy retry, VideosClient.RetryListener listener, WorkerMetrics metrics, ProviderHealth health,
            Tracing tracing, VideosClient.ResultUrls resultUrls, Duration contentTimeout) {
        // Downloads (the provider's content, result URLs elsewhere) go through OkHttp, the storage client's HTTP
        // stack, and stream with back-pressure; the JSON calls go through the reactive REST client. Redirects are
        // followed by VideosClient one hop at a time: the key stays on the provider's origin, and every hop off it
        // goes through the guarded client below. Both clients are made on first use: a TLS context and the CA
        // certificates are not needed before the first download, which cannot happen before the worker is ready.
        Supplier<OkHttpClient> contentHttp = OnFirstUse.of(() -> downloads(contentTimeout).build());
        GuardedDns dns = new GuardedDns(resultUrls::refusal);
        Supplier<OkHttpClient> foreignHttp = OnFirstUse.of(() -> downloads(contentTimeout)
                .dns(dns)
                .addNetworkInterceptor(dns.connectionCheck())
                .build());
        for (ProviderSettings p : providers) {
            ProviderHealth own = healths.isEmpty() ? health : new ProviderHealth();
            healths.put(p.name(), own);
            clients.put(p.name(), new VideosClient(p, api, createApi, mapper, retry, listener, metrics, own,
                    tracing, contentTimeout, contentHttp, resultUrls, foreignHttp));
        }
        this.defaultClient = clients.get(providers.get(0).name());
    }

    /**
     * A download client: no redirects followed by itself; no proxy (a proxy would resolve hosts itself, past a guarded
     * Dns); HTTP/1.1 only, so a body is read from the socket only as fast as its reader asks (HTTP/2 would buffer up
     * to a flow-control window per stream on a reader thread of its own); {@code contentTimeout} for the answer's
     * headers and for each read of its body (a stalled body fails, see {@link ContentStream}). A GET that found its
     * pooled connection closed by the server is sent again on a new one (the provider closes idle connections sooner
     * than the pool drops them); anything else is retried by the caller.
     */
    private static OkHttpClient.Builder downloads(Duration contentTimeout) {
        return new OkHttpClient.Builder()
                .proxy(Proxy.NO_PROXY)
                .protocols(List.of(Protocol.HTTP_1_1))
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(true)
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(contentTimeout);
    }

    /** The configured providers, the default one first, then the others by name. */
    public static List<ProviderSettings> settings(WorkerConfig config) {
        List<ProviderSettings> all = new ArrayList<>();
        WorkerConfig.Provider p = config.provider();
        all.add(new ProviderSettings(p.name(), p.baseUrl(), Dialects.named(p.dialect()), key(p.name(), p.apiKey(),
                p.apiKeyFile()), p.keyName(), p.maxConcurrentCreates(), p.priority(), p.deleteAfterStore(),
                config.models(), config.webhooks().secret().orElse(List.of()), p.pollsPerSecond().orElse(0.0)));
        config.providers().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            WorkerConfig.NamedProvider n = e.getValue();
            if (e.getKey().equals(p.name())) {
                throw new IllegalArgumentException("worker.providers." + e.getKey() + " has the default provider's "
                        + "name (worker.provider.name); give it another name.");
            }
            all.add(new ProviderSettings(e.getKey(), n.baseUrl(), Dialects.named(n.dialect()), key(e.getKey(),
                    n.apiKey(), n.apiKeyFile()), n.keyName(), n.maxConcurrentCreates(), n.priority(),
                    n.deleteAfterStore(), n.models(), n.webhookSecret().orElse(List.of()),
                    n.pollsPerSecond().orElse(0.0)));
        });
        return all;
    }

    /** The key from its file when one is named (a mounted secret), else the configured value; never logged. */
    private static String key(String provider, Optional<String> value, Optional<String> file) {
        if (file.isPresent() && !file.get().isBlank()) {
            try {
                return Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read the API key file of provider " + provider + " ("
                        + file.get() + "): " + e.getClass().getSimpleName(), e);
            }
        }
        return value.filter(v -> !v.isBlank()).orElse(null);
    }

    /** What the last calls to provider {@code name} said about it. */
    public ProviderHealth health(String name) {
        return healths.get(name);
    }

    /**
     * Whether provider {@code name} is down: its last call found no answer, or its key was refused. Routing avoids it
     * while another provider can make the job.
     */
    public boolean down(String name) {
        ProviderHealth h = healths.get(name);
        return h != null && (h.state() == ProviderHealth.State.UNREACHABLE
                || h.state() == ProviderHealth.State.KEY_REFUSED);
    }

    /** The default provider's client (also for jobs whose state names no route). */
    public VideosClient defaultClient() {
        return defaultClient;
    }

    public Collection<VideosClient> all() {
        return clients.values();
    }

    public Optional<VideosClient> named(String name) {
        return Optional.ofNullable(clients.get(name));
    }

    /** The client for a job's pinned route; a route to a provider not configured here is the caller's error. */
    public VideosClient forRoute(Route route) {
        if (route == null) {
            return defaultClient;
        }
        VideosClient client = clients.get(route.provider());
        if (client == null) {
            throw new ProviderException(0, "provider_not_configured", "The job is pinned to provider '"
                    + route.provider() + "', which is not configured on this replica. Configured: "
                    + String.join(", ", new TreeSet<>(clients.keySet())) + ".", false, false, null, null);
        }
        return client;
    }

    public VideosClient forJob(JobState job) {
        return forRoute(job.route());
    }
}
