package dev.videoworker.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.driver.JobDriver;
import dev.videoworker.job.Decision;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobLedger;
import dev.videoworker.journal.JobStore;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.log.LogText;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.provider.ProviderException;
import dev.videoworker.provider.VideosClient;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;

/**
 * The storing stage: once the driver has a job {@code generated}, marks it {@code storing}, streams the video into the
 * object store on a worker thread, and reports {@code stored} (or, when retrying cannot succeed before the provider's
 * copy expires, the failure) back to the driver. A failed upload is tried again with growing pauses, unless the store
 * refused it for good ({@code storage_refused}: no such bucket, an unusable key, no right to write).
 */
@ApplicationScoped
public class Storing {

    private static final Duration STORE_RETRY_MIN = Duration.ofSeconds(1);

    private final JobDriver driver;
    private final JobLedger ledger;
    private final JobStore store;
    private final VideoStore videos;
    private final Vertx vertx;
    private final WorkerMetrics metrics;
    private final WorkerConfig.Storage storage;
    private final Duration writeRetry;
    private final Clock clock = Clock.systemUTC();
    private volatile boolean stopping;

    public Storing(JobDriver driver, JobLedger ledger, JobStore store, VideoStore videos, Vertx vertx,
            WorkerMetrics metrics, WorkerConfig config) {
        this.driver = driver;
        this.ledger = ledger;
        this.store = store;
        this.videos = videos;
        this.vertx = vertx;
        this.metrics = metrics;
        this.storage = config.storage();
        this.writeRetry = config.poll().interval();
    }

    /** Stores a generated job's video (also one found {@code generated} or {@code storing} after a take-over). */
    public void store(JobState job) {
        if (job.status() == JobStatus.STORING) {
            storeVideo(job, 0);
            return;
        }
        driver.apply(job, new JobEvent.StoringStarted()).subscribe().with(decision -> {
            if (decision.kind() != Decision.Kind.IGNORED && decision.next().status() == JobStatus.STORING) {
                storeVideo(decision.next(), 0);
            }
        }, e -> writeFailed(job, e, "start storing"));
    }

    /** On shutdown, no new upload starts; the next owner stores what was not stored. */
    void onShutdown(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /**
     * Streams the video into the store on a worker thread; retries a failed upload until the provider's copy
     * expires.
     */
    void storeVideo(JobState storing, int attempt) {
        if (stopping || !ledger.current(storing)) {
            return;
        }
        Uni.createFrom().item(() -> {
            try {
                return videos.store(storing);
            } catch (Exception e) {
                throw new StoreFailure(e);
            }
        })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(stored -> driver.apply(storing, new JobEvent.Stored(stored.video(), stored.variants())))
                .subscribe().with(
                        decision -> {
                            JobState done = decision.next();
                            if (decision.applies() && done.status() == JobStatus.STORED) {
                                metrics.stored(done.video().bytes()
                                        + done.variants().values().stream().mapToLong(v -> v.bytes()).sum());
                                Log.infof("job %s stored at %s (%d bytes)", LogText.safe(done.jobId()),
                                        LogText.safe(done.video().uri()),
                                        done.video().bytes());
                            }
                        },
                        e -> onStoreFailure(storing, attempt, e));
    }

    private void onStoreFailure(JobState storing, int attempt, Throwable e) {
        if (e instanceof NotOwnerException || stopping || !ledger.current(storing)) {
            // Shutting down, or no longer ours: the next owner stores it.
            return;
        }
        Throwable cause = e instanceof StoreFailure ? e.getCause() : e;
        Instant now = clock.instant();
        if (cause instanceof ProviderException p && !p.retryable()) {
            // The provider refuses the download for good (its copy is gone, or the request is wrong): retrying
            // cannot save the video.
            boolean gone = p.httpStatus() == 404 || p.httpStatus() == 410;
            // A result URL the worker refused (worker.provider.result-urls.*) is refused again on every try.
            String refusal = p.code().equals(VideosClient.RESULT_URL_REFUSED) ? "The video was not downloaded: "
                    : "The provider refused the download: ";
            fail(storing, new JobError(gone ? "expired" : p.code(), gone ? "The provider no longer has the "
                    + "video (HTTP " + p.httpStatus() + " on download): it expired or was deleted before it could be "
                    + "stored." : refusal + p.getMessage(), null, false));
            return;
        }
        Optional<JobError> refused = videos.refusal(storing, cause);
        if (refused.isPresent()) {
            // The store will answer the same however often it is asked (no bucket, a key it cannot take, no right to
            // write): retrying until the provider's copy expires would only delay the same failure.
            fail(storing, refused.get());
            return;
        }
        Duration wait = backoff(attempt);
        Instant giveUpAt = giveUpAt(storing);
        if (now.plus(wait).isAfter(giveUpAt)) {
            String why = cause.getClass().getSimpleName() + (cause.getMessage() == null ? ""
                    : ": " + cause.getMessage());
            fail(storing, storing.expiresAt() != null
                    ? JobError.of("expired", "The video could not be stored before the provider's copy expired at "
                            + storing.expiresAt() + " (storing was tried until " + storage.expiryMargin()
                            + " before that; last error: " + why + ").")
                    : new JobError("storage_failed", "The video could not be stored within "
                            + storage.retryFor() + " (the provider gave no expiry time; last error: " + why + ").",
                            null, false));
            return;
        }
        Log.warnf("job %s: storing failed (%s: %s), retry %d in %s", LogText.safe(storing.jobId()),
                cause.getClass().getSimpleName(), LogText.safe(cause.getMessage()), attempt + 1, wait);
        vertx.setTimer(wait.toMillis(), t -> storeVideo(storing, attempt + 1));
    }

    /**
     * Storing is tried until a margin before the provider's copy expires (a download started later could not finish),
     * or, when the provider gave no expiry time, for {@code worker.storage.retry-for} after generation.
     */
    private Instant giveUpAt(JobState storing) {
        if (storing.expiresAt() != null) {
            return storing.expiresAt().minus(storage.expiryMargin());
        }
        Instant generated = storing.timings() != null && storing.timings().generatedAt() != null
                ? storing.timings().generatedAt() : storing.updatedAt();
        return generated.plus(storage.retryFor());
    }

    private void fail(JobState storing, JobError error) {
        Log.warnf("job %s: giving up storing: %s", LogText.safe(storing.jobId()), error.code());
        driver.apply(storing, new JobEvent.StoringFailed(error))
                .subscribe().with(done -> { }, err -> writeFailed(storing, err, "record the failure"));
    }

    /**
     * A write failed. A partition given up is no failure (its new owner carries on); anything else (Kafka unavailable
     * for a moment) is tried again later from whatever state the job is in by then, so no job is left behind.
     */
    private void writeFailed(JobState job, Throwable e, String what) {
        if (e instanceof NotOwnerException || stopping) {
            Log.debugf("job %s: no longer ours, did not %s", LogText.safe(job.jobId()), what);
            return;
        }
        Log.errorf(e, "job %s: could not %s; trying again", LogText.safe(job.jobId()), what);
        vertx.setTimer(Math.max(1, writeRetry.toMillis()), timer -> {
            JobState current = store.find(job.jobId()).orElse(null);
            // Taken over again meanwhile (a new ownership resumed the job): nothing to do.
            if (!stopping && current != null && current.epoch() == job.epoch()
                    && (current.status() == JobStatus.GENERATED || current.status() == JobStatus.STORING)) {
                store(current);
            }
        });
    }

    private Duration backoff(int attempt) {
        long ms = STORE_RETRY_MIN.toMillis() << Math.min(attempt, 10);
        return Duration.ofMillis(Math.min(ms, storage.retryMaxBackoff().toMillis()));
    }

    /** Carries a checked storage failure through the reactive chain. */
    private static final class StoreFailure extends RuntimeException {
        StoreFailure(Exception cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
