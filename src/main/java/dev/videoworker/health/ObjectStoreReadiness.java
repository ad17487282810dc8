package dev.videoworker.health;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
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
import io.quarkus.runtime.Startup;

/**
 * Ready only while the object store answers: a bucket lookup with short timeouts (the worker's own client waits
 * much longer, for uploads). A missing bucket is fine (it is created on first use); a refusal or no answer is not.
 * The lookup runs in the background, from start-up on and every {@code worker.health.object-store-check-every}; a
 * readiness request reads its last result, so it answers at once (Kubernetes probes time out after a second) and the
 * first one does not pay for starting the S3 client.
 */
@Readiness
@Startup
@ApplicationScoped
public class ObjectStoreReadiness implements HealthCheck {

    private final MinioClient client;
    private final String endpoint;
    private final String bucket;
    private final boolean createBucket;
    private final Duration every;
    private final ScheduledExecutorService checks;
    private volatile HealthCheckResponse last;
    private volatile Instant lastCheck;

    public ObjectStoreReadiness(WorkerConfig config, MinioClientProducer clients) {
        this.client = clients.client();
        this.client.setTimeout(2_000, 2_000, 2_000);
        this.endpoint = config.storage().endpoint();
        this.bucket = config.storage().bucket();
        this.createBucket = config.storage().createBucket();
        this.every = config.health().objectStoreCheckEvery();
        this.last = response().down().withData("error", "not checked yet").build();
        this.lastCheck = Instant.now();
        this.checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "object-store-check");
            t.setDaemon(true);
            return t;
        });
        checks.scheduleWithFixedDelay(this::check, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public HealthCheckResponse call() {
        // A lookup cannot take more than its timeouts; a result much older than the schedule means checks stopped.
        Duration age = Duration.between(lastCheck, Instant.now());
        if (age.compareTo(every.plus(STALE_AFTER)) > 0) {
            return response().down().withData("error", "no check finished for " + age.toSeconds() + " s").build();
        }
        return last;
    }

    private void check() {
        HealthCheckResponse result;
        try {
            boolean exists = client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
            result = exists || createBucket
                    ? response().up().withData("bucket", bucket + (exists ? "" : " (created on first use)")).build()
                    // every job would end storage_refused (NoSuchBucket)
                    : response().down().withData("error", "bucket " + bucket + " is missing and "
                            + "worker.storage.create-bucket is off").build();
        } catch (ErrorResponseException e) {
            String code = e.errorResponse() == null ? "error" : e.errorResponse().code();
            result = response().down().withData("error", "the store refused the request: " + code).build();
        } catch (Exception e) {
            result = response().down().withData("error", "no answer: " + e.getClass().getSimpleName()).build();
        }
        last = result;
        lastCheck = Instant.now();
    }

    private HealthCheckResponseBuilder response() {
        return HealthCheckResponse.named("object-store").withData("endpoint", endpoint);
    }

    @PreDestroy
    void stop() {
        checks.shutdownNow();
    }

    private static final Duration STALE_AFTER = Duration.ofSeconds(20);
}
