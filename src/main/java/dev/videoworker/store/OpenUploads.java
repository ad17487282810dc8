package dev.videoworker.store;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import dev.videoworker.log.LogText;
import io.minio.AbortMultipartUploadArgs;
import io.minio.MinioAsyncClient;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;

/**
 * The multipart uploads this worker has open, and the one way they are aborted: a shutdown aborts those still open
 * instead of leaving their parts in the bucket, and an abort goes through even from a thread that was interrupted.
 */
@Singleton
public class OpenUploads {

    /** Longest wait for one abort, or for all of them at shutdown (deploy/ gives the pod 60 s to stop). */
    static final Duration ABORT_WAIT = Duration.ofSeconds(10);

    /** One multipart upload of the store. */
    record Upload(String bucket, String key, String uploadId) {
    }

    private final MinioAsyncClient minio;
    private final Map<String, Upload> open = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public OpenUploads(MinioAsyncClient minio) {
        this.minio = minio;
    }

    /**
     * Records an upload just created. Returns false once the worker is shutting down: the shutdown's abort may have
     * missed this one, so its uploader must abort it itself.
     */
    boolean add(Upload upload) {
        open.put(upload.uploadId(), upload);
        // put before closed is read, as abortAll() sets closed before it reads the map: one of them sees the other
        if (closed) {
            open.remove(upload.uploadId());
            return false;
        }
        return true;
    }

    void remove(Upload upload) {
        open.remove(upload.uploadId());
    }

    boolean contains(String uploadId) {
        return open.containsKey(uploadId);
    }

    /** Whether the worker is shutting down: an upload in progress stops before its next part. */
    boolean closed() {
        return closed;
    }

    /** After the default observers: the job code has stopped starting uploads, so a failure here is not retried. */
    void onShutdown(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) ShutdownEvent event) {
        abortAll(ABORT_WAIT);
    }

    /**
     * Refuses new uploads and aborts those still open, waiting up to {@code wait} for the store's answers. Their jobs
     * stay {@code storing}: the next owner uploads again from the start. Returns how many were aborted.
     */
    int abortAll(Duration wait) {
        closed = true;
        List<Upload> uploads = List.copyOf(open.values());
        if (uploads.isEmpty()) {
            return 0;
        }
        List<CompletableFuture<Boolean>> aborts = uploads.stream().map(this::abortAsync).toList();
        boolean interrupted = Thread.interrupted();
        try {
            CompletableFuture.allOf(aborts.toArray(CompletableFuture[]::new)).get(wait.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            // counted below: every abort reports for itself
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        int aborted = 0;
        for (int i = 0; i < uploads.size(); i++) {
            Upload upload = uploads.get(i);
            CompletableFuture<Boolean> abort = aborts.get(i);
            if (abort.isDone() && !abort.isCompletedExceptionally()) {
                aborted++;
                open.remove(upload.uploadId());
            } else {
                Log.warnf("shutdown: could not abort the multipart upload of %s/%s in time; the next start's sweep "
                        + "aborts it", LogText.safe(upload.bucket()), LogText.safe(upload.key()));
            }
        }
        Log.infof("shutdown: aborted %d multipart upload(s) in progress; their jobs are stored again by the next owner",
                aborted);
        return aborted;
    }

    /**
     * Aborts {@code upload} and waits up to {@link #ABORT_WAIT} for it. An upload the store no longer knows counts as
     * aborted. The thread's interrupt flag is cleared for the wait and set again afterwards: an interrupted upload
     * must still be aborted, and the interrupt must not be lost for whoever asked for it.
     */
    void abort(Upload upload) throws IOException, MinioException {
        boolean interrupted = Thread.interrupted();
        try {
            abortAsync(upload).get(ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            throw new IOException("interrupted while aborting the multipart upload of " + upload.key(), e);
        } catch (TimeoutException e) {
            throw new IOException("no answer to the abort of the multipart upload of " + upload.key() + " within "
                    + ABORT_WAIT, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MinioException m) {
                throw m;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Completes with true once the upload is gone (aborted now or before). */
    private CompletableFuture<Boolean> abortAsync(Upload upload) {
        return minio.abortMultipartUpload(AbortMultipartUploadArgs.builder().bucket(upload.bucket())
                .object(upload.key()).uploadId(upload.uploadId()).build()).thenApply(response -> true)
                .exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                    if (cause instanceof ErrorResponseException r && "NoSuchUpload".equals(r.errorResponse().code())) {
                        return CompletableFuture.completedFuture(true);
                    }
                    return CompletableFuture.failedFuture(cause);
                });
    }
}
