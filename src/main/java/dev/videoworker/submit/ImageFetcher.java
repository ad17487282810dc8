package dev.videoworker.submit;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.log.LogText;
import dev.videoworker.net.AddressGuard;
import dev.videoworker.net.GuardedDns;
import dev.videoworker.net.HostAllowList;
import dev.videoworker.net.OnFirstUse;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Downloads {@code https://} reference images without letting a request reach the worker's own network (SSRF):
 * allowed hosts only, public addresses only, redirects checked hop by hop, bounded in time and size. Blocking.
 */
@ApplicationScoped
@Startup
public class ImageFetcher {

    /** Made on the first download: building it loads the CA certificates (not needed at start). */
    private final OnFirstUse<OkHttpClient> client;
    private final HostAllowList hosts;
    private final AddressGuard guard;
    private final Duration timeout;
    private final int maxRedirects;
    private final long maxBytes;

    public ImageFetcher(WorkerConfig config) {
        WorkerConfig.InputImages settings = config.inputImages();
        this.hosts = HostAllowList.of(settings.allowedHosts().orElse(List.of()));
        this.guard = AddressGuard.permitting(settings.allowedNetworks().orElse(List.of()));
        this.timeout = settings.downloadTimeout();
        this.maxRedirects = settings.maxRedirects();
        this.maxBytes = config.storage().maxInputImageBytes();
        GuardedDns dns = new GuardedDns(guard::refusal);
        OkHttpClient.Builder builder = new OkHttpClient.Builder()
                .dns(dns)
                .addNetworkInterceptor(dns.connectionCheck())
                // A proxy would resolve the host itself, past the guarded Dns.
                .proxy(Proxy.NO_PROXY)
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .callTimeout(timeout)
                .connectTimeout(timeout)
                .readTimeout(timeout);
        if (settings.trustStore().isPresent()) {
            // read now: a trust store that cannot be used stops the start, not the first job with an image
            X509TrustManager trust = trustManager(Path.of(settings.trustStore().get()),
                    settings.trustStorePassword().orElse(""));
            builder.sslSocketFactory(sslContext(trust).getSocketFactory(), trust);
        }
        this.client = OnFirstUse.of(builder::build);
    }

    /**
     * The image bytes at the https URL (at most {@code worker.storage.max-input-image-bytes}).
     *
     * @throws InputImages.Unusable with the reason the image cannot be downloaded
     */
    public byte[] fetch(String uri) throws InputImages.Unusable {
        HttpUrl url = HttpUrl.parse(uri);
        if (url == null) {
            throw new InputImages.Unusable("invalid_input_reference", "inputReference.uri is not a valid https URL.");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int redirects = 0;; redirects++) {
            checkTarget(url, redirects > 0);
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw timedOut(url);
            }
            Call call = client.get().newCall(new Request.Builder().url(url)
                    .header("Accept", "image/png, image/jpeg, image/webp").build());
            // One budget for the whole download, redirects included.
            call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
            try (Response response = call.execute()) {
                if (response.isRedirect()) {
                    url = redirectTarget(url, response, redirects);
                    continue;
                }
                if (!response.isSuccessful()) {
                    throw refusedByServer(url, response.code());
                }
                return body(url, response);
            } catch (IOException e) {
                throw unreachable(url, e, deadline);
            }
        }
    }

    private void checkTarget(HttpUrl url, boolean redirected) throws InputImages.Unusable {
        String start = redirected ? "The reference image was redirected to " + safe(url) + ", but "
                : "inputReference.uri: ";
        String code = redirected ? "input_reference_redirect_refused" : "unsupported_input_reference";
        if (!url.isHttps()) {
            throw new InputImages.Unusable(code, start + "only https:// URLs are followed.");
        }
        if (!url.username().isEmpty() || !url.password().isEmpty()) {
            throw new InputImages.Unusable(code, start + "URLs with user information are not followed.");
        }
        if (!hosts.permits(url.host())) {
            String allowed = hosts.isEmpty() ? "worker.input-images.allowed-hosts is empty"
                    : "allowed hosts: " + hosts.describe() + " (worker.input-images.allowed-hosts)";
            throw new InputImages.Unusable("input_reference_host_not_allowed", start + "the host " + url.host()
                    + " is not allowed; " + allowed + ".");
        }
        if (AddressGuard.isLiteral(url.host())) {
            try {
                // An IP literal: parsed without a lookup, and never passed to the Dns by OkHttp.
                InetAddress address = InetAddress.getByName(url.host());
                Optional<String> kind = guard.refusal(address);
                if (kind.isPresent()) {
                    throw addressRefused(url, kind.get());
                }
            } catch (UnknownHostException e) {
                throw new InputImages.Unusable("invalid_input_reference", "inputReference.uri has a bad host.");
            }
        }
    }

    private HttpUrl redirectTarget(HttpUrl from, Response response, int redirects) throws InputImages.Unusable {
        if (redirects >= maxRedirects) {
            throw new InputImages.Unusable("input_reference_redirect_refused", "The reference image at "
                    + safe(from) + " redirects more than " + maxRedirects
                    + " times (worker.input-images.max-redirects).");
        }
        String location = response.header("Location");
        HttpUrl next = location == null ? null : from.resolve(location);
        if (next == null) {
            throw new InputImages.Unusable("input_reference_redirect_refused", "The reference image at "
                    + safe(from) + " answered HTTP " + response.code()
                    + " without a usable https Location; only https:// redirects are followed.");
        }
        Log.debugf("reference image %s redirects to %s", safe(from), safe(next));
        return next;
    }

    private byte[] body(HttpUrl url, Response response) throws IOException, InputImages.Unusable {
        long declared = response.body().contentLength();
        if (declared > maxBytes) {
            throw tooLarge(url);
        }
        byte[] bytes;
        try (InputStream in = response.body().byteStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        if (bytes.length > maxBytes) {
            throw tooLarge(url);
        }
        return bytes;
    }

    private InputImages.Unusable tooLarge(HttpUrl url) {
        return new InputImages.Unusable("input_reference_too_large", "The reference image at " + safe(url)
                + " is larger than the limit of " + maxBytes + " bytes (worker.storage.max-input-image-bytes).");
    }

    private static InputImages.Unusable refusedByServer(HttpUrl url, int status) {
        if (status == 404 || status == 410) {
            return new InputImages.Unusable("input_reference_not_found", "The reference image " + safe(url)
                    + " does not exist (HTTP " + status + ").");
        }
        return new InputImages.Unusable("input_reference_unavailable", "The server of the reference image "
                + safe(url) + " answered HTTP " + status + ".");
    }

    private InputImages.Unusable unreachable(HttpUrl url, IOException e, long deadline) {
        GuardedDns.RefusedAddressException refused = GuardedDns.refusedAddress(e);
        if (refused != null) {
            // The resolved address goes to the log for the operator, not into the event (no map of the network).
            Log.infof("reference image download refused: %s", LogText.safe(refused.getMessage()));
            return addressRefused(url, refused.kind());
        }
        if (e instanceof InterruptedIOException || System.nanoTime() - deadline >= 0) {
            return timedOut(url);
        }
        Log.infof("reference image %s could not be downloaded: %s", safe(url), LogText.safe(e.toString()));
        if (e instanceof SSLException) {
            return new InputImages.Unusable("input_reference_unreachable", "The TLS connection to " + url.host()
                    + " failed (is its certificate valid and trusted?).");
        }
        if (e instanceof UnknownHostException) {
            return new InputImages.Unusable("input_reference_unreachable", "The host " + url.host()
                    + " of the reference image could not be resolved.");
        }
        return new InputImages.Unusable("input_reference_unreachable", "The reference image " + safe(url)
                + " could not be downloaded: the connection failed.");
    }

    private InputImages.Unusable timedOut(HttpUrl url) {
        return new InputImages.Unusable("input_reference_timeout", "Downloading the reference image " + safe(url)
                + " took longer than " + timeout.toMillis() + " ms (worker.input-images.download-timeout).");
    }

    private static InputImages.Unusable addressRefused(HttpUrl url, String kind) {
        return new InputImages.Unusable("input_reference_address_refused", "The host " + url.host()
                + " resolves to a " + kind + " address; reference images are not downloaded from loopback, private, "
                + "link-local, metadata or other internal addresses (an operator may permit a network with "
                + "worker.input-images.allowed-networks).");
    }

    /** Scheme, host, port and path only: a query string may carry a signature. */
    static String safe(HttpUrl url) {
        int defaultPort = HttpUrl.defaultPort(url.scheme());
        String host = url.host().contains(":") ? "[" + url.host() + "]" : url.host();
        return url.scheme() + "://" + host + (url.port() == defaultPort ? "" : ":" + url.port()) + url.encodedPath();
    }

    /** The JVM's CAs plus every certificate of the configured PKCS12 store. */
    private static X509TrustManager trustManager(Path path, String password) {
        try {
            KeyStore extra = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(path)) {
                extra.load(in, password.toCharArray());
            }
            KeyStore merged = KeyStore.getInstance("PKCS12");
            merged.load(null, null);
            int n = 0;
            for (X509Certificate ca : x509(defaultTrustManagers(null)).getAcceptedIssuers()) {
                merged.setCertificateEntry("jvm-" + n++, ca);
            }
            for (String alias : Collections.list(extra.aliases())) {
                Certificate certificate = extra.getCertificate(alias);
                if (certificate != null) {
                    merged.setCertificateEntry("configured-" + alias, certificate);
                }
            }
            return x509(defaultTrustManagers(merged));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("worker.input-images.trust-store " + path
                    + " cannot be read as a PKCS12 trust store: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] defaultTrustManagers(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    private static X509TrustManager x509(TrustManager[] managers) {
        for (TrustManager m : managers) {
            if (m instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X509 trust manager");
    }

    private static SSLContext sslContext(X509TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] { trust }, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for reference image downloads", e);
        }
    }

    @PreDestroy
    void close() {
        // a client first made by a download still running now keeps its idle connections until the process ends
        if (client.made()) {
            client.get().connectionPool().evictAll();
        }
    }
}
