package dev.videoworker.store;

import java.util.Map;
import java.util.Optional;

import dev.videoworker.job.JobError;
import dev.videoworker.log.LogText;
import io.minio.errors.ErrorResponseException;

/**
 * S3 error responses that no retry can turn into success (the bucket is missing, the key or the video is not
 * acceptable, the worker may not write there): storing ends at once with {@code storage_refused} instead of being
 * tried until the provider's copy expires. Anything else (5xx, {@code SlowDown}, {@code InternalError},
 * {@code RequestTimeout}, no answer at all) is left to the retries.
 */
final class StorageRefusal {

    static final String CODE = "storage_refused";

    /** S3 (and MinIO, S3Proxy) error codes that cannot succeed on retry, with what the user can do about each. */
    private static final Map<String, String> PERMANENT = Map.ofEntries(
            Map.entry("NoSuchBucket", "the bucket does not exist; the worker never creates a bucket a request "
                    + "names (only worker.storage.bucket, when worker.storage.create-bucket is on): create it first or "
                    + "name an existing one"),
            Map.entry("InvalidBucketName", "the bucket name is not a valid S3 bucket name"),
            Map.entry("AccessDenied", "the worker's credentials may not write there: grant them s3:PutObject on the "
                    + "bucket or name another bucket"),
            Map.entry("InvalidAccessKeyId", "the store does not know the worker's access key "
                    + "(worker.storage.access-key)"),
            Map.entry("SignatureDoesNotMatch", "the store could not verify the request's signature: the object key "
                    + "holds characters that do not survive signing, or the worker's secret key is wrong"),
            Map.entry("InvalidObjectName", "the object key is not a valid name for this store"),
            Map.entry("XMinioInvalidObjectName", "the object key is not a valid name for this store"),
            Map.entry("KeyTooLongError", "the object key is longer than the store allows (S3: 1024 bytes)"),
            Map.entry("EntityTooLarge", "the video is larger than the store accepts as one object"),
            Map.entry("InvalidRequest", "the store rejected the request as invalid (S3Proxy, for one, answers so to "
                    + "a control character in the key)"),
            Map.entry("InvalidArgument", "the store rejected an argument of the request (key, metadata or size)"),
            Map.entry("MetadataTooLarge", "the object's metadata (job id, video id, model) is larger than the store "
                    + "allows"));

    private StorageRefusal() {
    }

    /**
     * The job's error when {@code failure} (or one of its causes) is an S3 error response no retry can fix; empty for
     * anything that may pass on another try. The message names the S3 code, bucket and key (the store's, else the
     * given ones), never a credential.
     */
    static Optional<JobError> of(Throwable failure, String bucket, String key) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ErrorResponseException e && e.errorResponse() != null) {
                String code = e.errorResponse().code();
                String advice = code == null ? null : PERMANENT.get(code);
                if (advice == null) {
                    return Optional.empty();
                }
                String at = "s3://" + LogText.safe(or(e.errorResponse().bucketName(), bucket)) + "/"
                        + LogText.safe(or(e.errorResponse().objectName(), key));
                return Optional.of(JobError.of(CODE, "The object store refused to store the video at " + at
                        + " (S3 error " + code + "): " + advice
                        + ". Trying again cannot help, so the job ends here."));
            }
        }
        return Optional.empty();
    }

    private static String or(String value, String otherwise) {
        return value == null || value.isEmpty() ? otherwise : value;
    }
}
