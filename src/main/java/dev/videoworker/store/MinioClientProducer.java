package dev.videoworker.store;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.videoworker.config.WorkerConfig;
import io.minio.Http;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * The S3 clients of the worker, all on one HTTP client (one connection pool, one dispatcher), closed at shutdown so
 * their threads do not outlive the application. One HTTP client also means the CA certificates named by
 * {@code SSL_CERT_DIR}/{@code SSL_CERT_FILE} are read once: the SDK reads and parses all of them for every client it
 * builds itself, which was a third of the main thread's start-up time (benchmark (e)). An {@code http://} endpoint
 * never makes a TLS connection, so its client skips them altogether (issue 15 (e): reading them still took ~2 s of
 * the main thread where those variables are set).
 */
@ApplicationScoped
public class MinioClientProducer {

    private final WorkerConfig config;
    private volatile OkHttpClient http;

    public MinioClientProducer(WorkerConfig config) {
        this.config = config;
    }

    @Produces
    @ApplicationScoped
    MinioClient minioClient() {
        return client();
    }

    /** The asynchronous client, for uploads part by part (see {@link ObjectUploader}); a singleton: not proxyable. */
    @Produces
    @Singleton
    MinioAsyncClient minioAsyncClient() {
        WorkerConfig.Storage storage = config.storage();
        MinioAsyncClient.Builder builder = MinioAsyncClient.builder()
                .endpoint(storage.endpoint())
                .region(storage.region())
                .httpClient(http(), false);
        if (storage.accessKey().isPresent() && storage.secretKey().isPresent()) {
            builder.credentials(storage.accessKey().get(), storage.secretKey().get());
        }
        return builder.build();
    }

    /** A client of its own (the health check sets shorter timeouts on it), on the shared connections. */
    public MinioClient client() {
        WorkerConfig.Storage storage = config.storage();
        MinioClient.Builder builder = MinioClient.builder()
                .endpoint(storage.endpoint())
                .region(storage.region())
                .httpClient(http(), false);
        if (storage.accessKey().isPresent() && storage.secretKey().isPresent()) {
            builder.credentials(storage.accessKey().get(), storage.secretKey().get());
        }
        return builder.build();
    }

    private synchronized OkHttpClient http() {
        if (http == null) {
            http = storeClient(config.storage().endpoint());
        }
        return http;
    }

    /** The worker's HTTP client for the store at {@code endpoint}: {@link #httpClientFor}, writing large bodies in
     * chunks ({@link ChunkedWrites}). */
    static OkHttpClient storeClient(String endpoint) {
        return httpClientFor(endpoint).newBuilder().addNetworkInterceptor(new ChunkedWrites()).build();
    }

    /**
     * The SDK's default client for an {@code https://} endpoint (with the CA certificates of {@code SSL_CERT_FILE} and
     * {@code SSL_CERT_DIR}); for a plain {@code http://} one, the same settings without them, and without following
     * a redirect to {@code https://}, so no TLS connection is ever made that those certificates could have mattered to.
     */
    static OkHttpClient httpClientFor(String endpoint) {
        if (!plainHttp(endpoint)) {
            return Http.newDefaultClient();
        }
        // What Http.newDefaultClient() sets before it adds the certificates (MinioClientProducerTest compares them).
        return new OkHttpClient.Builder()
                .connectTimeout(Http.DEFAULT_TIMEOUT, TimeUnit.MILLISECONDS)
                .writeTimeout(Http.DEFAULT_TIMEOUT, TimeUnit.MILLISECONDS)
                .readTimeout(Http.DEFAULT_TIMEOUT, TimeUnit.MILLISECONDS)
                .protocols(List.of(Protocol.HTTP_1_1))
                .addInterceptor(new Http.StatusRetryInterceptor())
                .followSslRedirects(false)
                // no TLS at all: OkHttp then never loads the CA certificates and a TLS context at start
                .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT))
                .build();
    }

    /** Only an explicit {@code http://}: the SDK takes an endpoint without a scheme for https. */
    static boolean plainHttp(String endpoint) {
        try {
            String scheme = URI.create(endpoint.trim()).getScheme();
            return scheme != null && scheme.toLowerCase(Locale.ROOT).equals("http");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    void close(@Disposes MinioClient client) throws Exception {
        client.close();
    }

    void close(@Disposes MinioAsyncClient client) throws Exception {
        client.close();
    }

    @PreDestroy
    synchronized void closeHttp() {
        if (http != null) {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }
}
