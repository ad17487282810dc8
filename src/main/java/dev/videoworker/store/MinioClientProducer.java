package dev.videoworker.store;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.videoworker.config.WorkerConfig;
import io.minio.Http;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import okhttp3.OkHttpClient;

/**
 * The S3 clients of the worker, all on one HTTP client (one connection pool, one dispatcher), closed at shutdown so
 * their threads do not outlive the application. One HTTP client also means the CA certificates named by
 * {@code SSL_CERT_DIR}/{@code SSL_CERT_FILE} are read once: the SDK reads and parses all of them for every client it
 * builds itself, which was a third of the main thread's start-up time (benchmark (e)).
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
            http = Http.newDefaultClient();
        }
        return http;
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
