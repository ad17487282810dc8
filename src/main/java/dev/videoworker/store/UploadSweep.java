package dev.videoworker.store;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.log.LogText;
import io.minio.ListMultipartUploadsArgs;
import io.minio.MinioAsyncClient;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.ListMultipartUploadsResult;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Aborts, once at start and in the background, the multipart uploads that a replica killed mid-upload (kill -9, a
 * lost node) left in the worker's bucket: nobody else would, and their parts are stored, and paid for, until then.
 *
 * <p>An upload is the worker's own when it is in {@code worker.storage.bucket} and its key is one the store writes
 * under {@code worker.storage.key-template} (a video's or a variant's, each variable standing for one or more of the
 * characters a sanitised value keeps). It is aborted only when it began longer than
 * {@code worker.storage.abort-uploads-older-than} ago, since another replica may be sending it right now, and never
 * when this worker has it open. Uploads under a bucket or key a request named itself are not recognised and stay.
 */
@Singleton
public class UploadSweep {

    /** Longest wait for one page of the listing. */
    private static final Duration LIST_WAIT = Duration.ofSeconds(30);

    /** What one sweep found. */
    record Swept(int aborted, int young, int foreign, int failed) {
    }

    private final MinioAsyncClient minio;
    private final OpenUploads open;
    private final String bucket;
    private final String keyTemplate;
    private final Duration olderThan;
    private final Clock clock;

    @Inject
    public UploadSweep(MinioAsyncClient minio, OpenUploads open, WorkerConfig config) {
        this(minio, open, config.storage().bucket(), config.storage().keyTemplate(),
                config.storage().abortUploadsOlderThan(), Clock.systemUTC());
    }

    UploadSweep(MinioAsyncClient minio, OpenUploads open, String bucket, String keyTemplate, Duration olderThan,
            Clock clock) {
        this.minio = minio;
        this.open = open;
        this.bucket = bucket;
        this.keyTemplate = keyTemplate;
        this.olderThan = olderThan;
        this.clock = clock;
    }

    void onStart(@Observes StartupEvent event) {
        if (olderThan.isZero() || olderThan.isNegative()) {
            Log.info("the sweep of abandoned multipart uploads is off (worker.storage.abort-uploads-older-than)");
            return;
        }
        // Not on the start-up thread: a slow or absent store must not hold readiness back.
        Infrastructure.getDefaultWorkerPool().execute(this::sweepLogged);
    }

    private void sweepLogged() {
        try {
            Swept swept = sweep();
            Log.infof("swept the multipart uploads of bucket %s: %d older than %s aborted, %d younger left, "
                    + "%d of other keys left, %d could not be aborted", LogText.safe(bucket), swept.aborted(),
                    olderThan,
                    swept.young(), swept.foreign(), swept.failed());
        } catch (ErrorResponseException e) {
            if ("NoSuchBucket".equals(e.errorResponse().code())) {
                Log.infof("no bucket %s yet: no multipart upload to sweep", LogText.safe(bucket));
            } else {
                Log.warnf("could not sweep the multipart uploads of bucket %s (%s); the next start tries again",
                        LogText.safe(bucket), e.errorResponse().code());
            }
        } catch (IOException | MinioException | RuntimeException e) {
            Log.warnf("could not sweep the multipart uploads of bucket %s (%s: %s); the next start tries again",
                    LogText.safe(bucket),
                    e.getClass().getSimpleName(), LogText.safe(e.getMessage()));
        }
    }

    /** Blocking: lists every upload of the bucket, page by page, and aborts the old ones of this worker's keys. */
    Swept sweep() throws IOException, MinioException {
        Instant cutoff = clock.instant().minus(olderThan);
        Pattern own = VideoStore.keysOf(keyTemplate);
        String prefix = ObjectKeys.literalPrefix(keyTemplate);
        int aborted = 0;
        int young = 0;
        int foreign = 0;
        int failed = 0;
        String keyMarker = null;
        String uploadIdMarker = null;
        ListMultipartUploadsResult page;
        do {
            ListMultipartUploadsArgs.Builder args = ListMultipartUploadsArgs.builder().bucket(bucket);
            if (!prefix.isEmpty()) {
                args.prefix(prefix);
            }
            if (keyMarker != null) {
                args.keyMarker(keyMarker).uploadIdMarker(uploadIdMarker);
            }
            page = list(args.build());
            for (ListMultipartUploadsResult.Upload upload : page.uploads()) {
                if (!own.matcher(upload.objectName()).matches()) {
                    foreign++;
                } else if (open.contains(upload.uploadId()) || upload.initiated() == null
                        || !upload.initiated().toInstant().isBefore(cutoff)) {
                    young++;
                } else {
                    try {
                        open.abort(new OpenUploads.Upload(bucket, upload.objectName(), upload.uploadId()));
                        aborted++;
                    } catch (IOException | MinioException e) {
                        failed++;
                        Log.warnf("could not abort the multipart upload of %s/%s begun at %s (%s)",
                                LogText.safe(bucket),
                                upload.objectName(), upload.initiated(), e.getClass().getSimpleName());
                    }
                }
            }
            keyMarker = page.nextKeyMarker();
            uploadIdMarker = page.nextUploadIdMarker();
        } while (page.isTruncated() && keyMarker != null && !keyMarker.isEmpty());
        return new Swept(aborted, young, foreign, failed);
    }

    private ListMultipartUploadsResult list(ListMultipartUploadsArgs args) throws IOException, MinioException {
        try {
            return minio.listMultipartUploads(args).get(LIST_WAIT.toMillis(), TimeUnit.MILLISECONDS).result();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while listing the multipart uploads of " + bucket, e);
        } catch (TimeoutException e) {
            throw new IOException("no listing of the multipart uploads of " + bucket + " within " + LIST_WAIT, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MinioException m) {
                throw m;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }
}
