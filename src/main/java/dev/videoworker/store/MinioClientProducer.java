package dev.videoworker.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.videoworker.config.WorkerConfig;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;

/**
 * The one MinIO client of the worker, closed at shutdown so its HTTP threads do not outlive the application.
 */
@ApplicationScoped
public class MinioClientProducer {

    @Produces
    @ApplicationScoped
    MinioClient minioClient(WorkerConfig config) {
        return build(config);
    }

    /** The asynchronous client, for uploads part by part (see {@link ObjectUploader}); a singleton: not proxyable. */
    @Produces
    @Singleton
    MinioAsyncClient minioAsyncClient(WorkerConfig config) {
        WorkerConfig.Storage storage = config.storage();
        MinioAsyncClient.Builder builder = MinioAsyncClient.builder()
                .endpoint(storage.endpoint())
                .region(storage.region());
        if (storage.accessKey().isPresent() && storage.secretKey().isPresent()) {
            builder.credentials(storage.accessKey().get(), storage.secretKey().get());
        }
        return builder.build();
    }

    /** A client for the configured store (the health check builds its own, with short timeouts). */
    public static MinioClient build(WorkerConfig config) {
        WorkerConfig.Storage storage = config.storage();
        MinioClient.Builder builder = MinioClient.builder()
                .endpoint(storage.endpoint())
                .region(storage.region());
        if (storage.accessKey().isPresent() && storage.secretKey().isPresent()) {
            builder.credentials(storage.accessKey().get(), storage.secretKey().get());
        }
        return builder.build();
    }

    void close(@Disposes MinioClient client) throws Exception {
        client.close();
    }

    void close(@Disposes MinioAsyncClient client) throws Exception {
        client.close();
    }
}
