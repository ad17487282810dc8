package dev.videoworker.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.StoredObject;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.log.LogText;
import dev.videoworker.provider.Providers;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.errors.MinioException;
import io.quarkus.runtime.Startup;

/**
 * Streams a finished video (and its requested variants) from the provider into the object store: one PUT, or a
 * multipart upload for a long one, with at most one part in memory ({@link ObjectUploader}); SHA-256 and size computed
 * on the way, never the whole video in memory. Blocking: run it on a worker
 * thread.
 */
@ApplicationScoped
@Startup // created with the worker, so a part size S3 would refuse stops it at start, not at the first video
public class VideoStore {

    static final String VIDEO_CONTENT_TYPE = "video/mp4";
    private static final Map<String, String> VARIANT_TYPES = Map.of("thumbnail", "image/webp", "spritesheet",
            "image/jpeg");
    private static final Map<String, String> VARIANT_SUFFIX = Map.of("thumbnail", ".thumbnail.webp", "spritesheet",
            ".spritesheet.jpg");

    private final MinioClient minio;
    private final ObjectUploader uploader;
    private final Providers providers;
    private final WorkerConfig.Storage config;
    private volatile boolean bucketReady;

    public VideoStore(MinioClient minio, MinioAsyncClient asyncMinio, OpenUploads openUploads, Providers providers,
            WorkerConfig config) {
        this.minio = minio;
        this.uploader = new ObjectUploader(asyncMinio, config.storage().partSize(),
                config.storage().uploadParallelism(), openUploads);
        this.providers = providers;
        this.config = config.storage();
    }

    /** What was written for one job. */
    public record Stored(StoredObject video, Map<String, StoredObject> variants) {
    }

    public Stored store(JobState job) throws IOException, MinioException {
        String bucket = bucketOf(job.request());
        String key = keyOf(job);
        ensureBucket(bucket);
        StoredObject video = put(job, null, bucket, key, VIDEO_CONTENT_TYPE);
        Map<String, StoredObject> variants = new LinkedHashMap<>();
        for (String variant : job.request().variants()) {
            variants.put(variant, put(job, variant, bucket, variantKey(key, variant), VARIANT_TYPES.get(variant)));
        }
        return new Stored(video, variants);
    }

    /** The same job always gets the same key, so a repeated upload overwrites itself harmlessly. */
    public String keyOf(JobState job) {
        VideoRequest request = job.request();
        String template = request.output() != null && request.output().key() != null ? request.output().key()
                : config.keyTemplate();
        String key = ObjectKeys.render(template, Map.of(
                "jobId", job.jobId(),
                "videoId", job.videoId() == null ? "none" : job.videoId(),
                "model", request.model(),
                "size", request.size(),
                "seconds", request.seconds()));
        ObjectKeys.problem(key).ifPresent(p -> {
            throw new IllegalArgumentException("unsafe object key for job " + job.jobId() + ": " + p);
        });
        return key;
    }

    /**
     * The job's error when {@code failure} is one the store will give again however often storing is tried (see
     * {@link StorageRefusal}); empty when another try may succeed.
     */
    public Optional<JobError> refusal(JobState job, Throwable failure) {
        if (failure instanceof IllegalArgumentException invalid) {
            // Checked before anything is sent (an unsafe key, a bucket name the SDK refuses): the same every time.
            return Optional.of(JobError.of(StorageRefusal.CODE, "The video cannot be stored where the request says: "
                    + LogText.safe(invalid.getMessage()) + ". Trying again cannot help, so the job ends here."));
        }
        String key;
        try {
            key = keyOf(job);
        } catch (IllegalArgumentException e) {
            key = "(no valid key)";
        }
        return StorageRefusal.of(failure, bucketOf(job.request()), key);
    }

    public String bucketOf(VideoRequest request) {
        return request.output() != null && request.output().bucket() != null ? request.output().bucket()
                : config.bucket();
    }

    static String variantKey(String videoKey, String variant) {
        String base = videoKey.endsWith(".mp4") ? videoKey.substring(0, videoKey.length() - 4) : videoKey;
        return base + VARIANT_SUFFIX.get(variant);
    }

    /** Every key this store writes for a job under {@code template}: the video's and its variants'. */
    static Pattern keysOf(String template) {
        boolean mp4 = template.endsWith(".mp4");
        String base = mp4 ? template.substring(0, template.length() - 4) : template;
        StringJoiner endings = new StringJoiner("|", "(?:", ")");
        endings.add(mp4 ? Pattern.quote(".mp4") : "");
        VARIANT_SUFFIX.values().forEach(suffix -> endings.add(Pattern.quote(suffix)));
        return Pattern.compile(ObjectKeys.regex(base) + endings);
    }

    private StoredObject put(JobState job, String variant, String bucket, String key, String contentType)
            throws IOException, MinioException {
        try (InputStream body = providers.forJob(job).openContent(job.videoId(), variant, job.trace());
                HashingInputStream counted = new HashingInputStream(body)) {
            uploader.upload(counted, bucket, key, contentType, Map.of(
                    "job-id", job.jobId(),
                    "video-id", job.videoId(),
                    "model", job.request().model()));
            return new StoredObject(bucket, key, "s3://" + bucket + "/" + key, counted.count(),
                    counted.sha256Hex(), contentType);
        }
    }

    /**
     * Creates the configured bucket when it is missing (and {@code worker.storage.create-bucket} is on), once per
     * process. A bucket a request names is never created, not even looked up: its first PUT fails with
     * {@code NoSuchBucket} if it is missing, and the job ends {@code storage_refused}.
     */
    private void ensureBucket(String bucket) throws IOException, MinioException {
        if (!config.createBucket() || !bucket.equals(config.bucket()) || bucketReady) {
            return;
        }
        if (!minio.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            try {
                minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            } catch (MinioException e) {
                // Another replica may have created it a moment ago.
                if (!minio.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                    throw e;
                }
            }
        }
        bucketReady = true;
    }
}
