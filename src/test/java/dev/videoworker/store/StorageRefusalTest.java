package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.videoworker.job.JobError;
import dev.videoworker.testing.S3Server;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.ErrorResponse;

/**
 * Which object-store failures end a job at once ({@code storage_refused}) and which are retried: the refusals are
 * provoked on a real S3 server (S3Proxy) through the MinIO SDK, so the codes are the ones a store really sends.
 */
class StorageRefusalTest {

    private static final String BUCKET = "refusals";
    private static S3Server s3;
    private static MinioClient minio;
    private static MinioAsyncClient asyncMinio;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start();
        minio = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey()).build();
        asyncMinio = client(s3.endpoint(), s3.secretKey());
        minio.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
    }

    @AfterAll
    static void stop() throws Exception {
        minio.close();
        asyncMinio.close();
        s3.close();
    }

    @Test
    void aBucketThatDoesNotExistIsRefusedAtOnceNamingTheBucket() {
        Throwable failure = upload(asyncMinio, "no-such-bucket", "job-1.mp4");

        Optional<JobError> refusal = StorageRefusal.of(failure, "no-such-bucket", "job-1.mp4");

        assertThat(refusal).as("refusal of %s", failure).isPresent();
        assertThat(refusal.get().code()).isEqualTo("storage_refused");
        assertThat(refusal.get().message()).contains("NoSuchBucket", "s3://no-such-bucket/job-1.mp4",
                "never creates a bucket a request names");
        assertThat(refusal.get().retryable()).isFalse();
    }

    @Test
    void aSignatureTheStoreNeverMatchesIsRefusedAtOnceWithoutCredentials() throws Exception {
        // Signed with a secret the store does not know: SignatureDoesNotMatch on every try. (Job ids with format or
        // separator characters are refused before paying now, and non-ASCII metadata is percent-encoded, so a
        // job id no longer leads here.)
        String wrongSecret = "not-the-secret-FAKE-0000";
        try (MinioAsyncClient wrong = client(s3.endpoint(), wrongSecret)) {
            String key = "job-caf\u00e9.mp4";
            Throwable failure = upload(wrong, BUCKET, key);

            Optional<JobError> refusal = StorageRefusal.of(failure, BUCKET, key);

            assertThat(refusal).as("refusal of %s", failure).isPresent();
            assertThat(refusal.get().message()).contains("SignatureDoesNotMatch")
                    .doesNotContain(s3.secretKey(), s3.accessKey(), wrongSecret);
        }
    }

    @Test
    void errorsThatMayPassOnAnotherTryAreLeftToTheRetries() {
        for (String code : new String[] {"SlowDown", "InternalError", "RequestTimeout", "ServiceUnavailable",
                "NoSuchUpload", "SomethingNew"}) {
            assertThat(StorageRefusal.of(error(code), BUCKET, "k.mp4")).as(code).isEmpty();
        }
        assertThat(StorageRefusal.of(new ConnectException("Connection refused"), BUCKET, "k.mp4")).isEmpty();
        assertThat(StorageRefusal.of(new IOException("unexpected end of stream"), BUCKET, "k.mp4")).isEmpty();
    }

    @Test
    void findsTheRefusalUnderWrappersAndNamesTheStoresBucketAndKey() {
        for (String code : new String[] {"AccessDenied", "InvalidBucketName", "KeyTooLongError", "InvalidObjectName",
                "XMinioInvalidObjectName", "EntityTooLarge", "InvalidAccessKeyId", "MetadataTooLarge"}) {
            Throwable wrapped = new CompletionException(new IOException("wrapped", error(code)));

            Optional<JobError> refusal = StorageRefusal.of(wrapped, "fallback", "fallback.mp4");

            assertThat(refusal).as(code).isPresent();
            assertThat(refusal.get().message()).as(code).contains("(S3 error " + code + ")",
                    "s3://stores-bucket/stores/key.mp4");
        }
    }

    private static ErrorResponseException error(String code) {
        return new ErrorResponseException(new ErrorResponse(code, "message of " + code, "stores-bucket",
                "stores/key.mp4", "/stores-bucket/stores/key.mp4", "request-1", "host-1"), null, null);
    }

    private static MinioAsyncClient client(String endpoint, String secretKey) {
        return MinioAsyncClient.builder().endpoint(endpoint).credentials(S3Server.ACCESS_KEY, secretKey).build();
    }

    /**
     * Uploads a small video as the worker does (key and metadata), for the job whose id the key begins with; gives back
     * what it failed with (the test expects a failure).
     */
    private static Throwable upload(MinioAsyncClient client, String bucket, String key) {
        ObjectUploader uploader = new ObjectUploader(client, 5 * 1024 * 1024, new OpenUploads(client));
        Throwable failure = catchThrowable(() -> uploader.upload(new HashingInputStream(
                new ByteArrayInputStream(new byte[1000])), bucket, key, "video/mp4",
                Map.of("job-id", key.replace(".mp4", ""), "model", "sora-2")));
        assertThat(failure).as("upload to %s/%s", bucket, key).isNotNull();
        return failure;
    }
}
