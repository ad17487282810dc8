package dev.videoworker.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.store.MinioClientProducer;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;

/**
 * Ready only while the object store answers: a bucket lookup with short timeouts (the worker's own client waits
 * much longer, for uploads). A missing bucket is fine (it is created on first use); a refusal or no answer is not.
 */
@Readiness
@ApplicationScoped
public class ObjectStoreReadiness implements HealthCheck {

    private final MinioClient client;
    private final String endpoint;
    private final String bucket;

    public ObjectStoreReadiness(WorkerConfig config) {
        this.client = MinioClientProducer.build(config);
        this.client.setTimeout(2_000, 2_000, 2_000);
        this.endpoint = config.storage().endpoint();
        this.bucket = config.storage().bucket();
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("object-store").withData("endpoint", endpoint);
        try {
            boolean exists = client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
            return response.up().withData("bucket", bucket + (exists ? "" : " (created on first use)")).build();
        } catch (ErrorResponseException e) {
            String code = e.errorResponse() == null ? "error" : e.errorResponse().code();
            return response.down().withData("error", "the store refused the request: " + code).build();
        } catch (Exception e) {
            return response.down().withData("error", "no answer: " + e.getClass().getSimpleName()).build();
        }
    }
}
