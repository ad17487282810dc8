package dev.videoworker.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import dev.videoworker.config.WorkerConfig;
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
}
