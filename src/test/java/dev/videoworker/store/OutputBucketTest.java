package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.WorkerTestResources;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A request whose output bucket does not exist, on the running worker with the real S3 server: the worker does not
 * create the bucket, and the job ends {@code failed/storage_refused} at the first store attempt instead of being
 * retried until the provider's copy expires. The one create call was paid before the store was asked.
 */
@QuarkusTest
class OutputBucketTest extends WorkerTest {

    /** Never created by anyone: a request naming it must find it missing. */
    static final String MISSING_BUCKET = "no-such-output-bucket";

    @Inject
    MinioClient minio;

    @Test
    void endsStorageRefusedAtOnceAndCreatesNoBucketWhenTheRequestNamesAMissingOne() throws Exception {
        String jobId = "missing-bucket-" + UUID.randomUUID();
        String prompt = "A kite over an empty field " + jobId;
        jobs.send(jobId, """
                {"prompt":"%s","output":{"bucket":"%s"}}""".formatted(prompt, MISSING_BUCKET));

        JsonNode done = jobs.awaitCompletion(jobId, Duration.ofSeconds(30));

        assertThat(done.path("outcome").asText()).isEqualTo("failed");
        assertThat(done.path("error").path("code").asText()).isEqualTo("storage_refused");
        assertThat(done.path("error").path("message").asText()).contains("NoSuchBucket", MISSING_BUCKET)
                .doesNotContain(WorkerTestResources.s3().secretKey());
        assertThat(jobs.statuses(jobId)).containsSubsequence("generated", "storing", "failed");
        // the first store attempt was the last: the job ended within a second or two of being generated
        Instant generated = Instant.parse(done.path("timings").path("generatedAt").asText());
        assertThat(Duration.between(generated, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(minio.bucketExists(BucketExistsArgs.builder().bucket(MISSING_BUCKET).build()))
                .as("bucket created for the request").isFalse();
        assertThat(simulator().createCount(prompt)).as("create calls").isEqualTo(1);
    }
}
