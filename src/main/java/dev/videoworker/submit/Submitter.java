package dev.videoworker.submit;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobLedger;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.Timings;
import dev.videoworker.poll.Poller;
import dev.videoworker.provider.ProviderException;
import dev.videoworker.provider.VideosClient;
import dev.videoworker.request.VideoRequest;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Submits a valid request to the provider at most once: the intent ({@code submitting}) is durable before the paid
 * call, the provider's video id right after it; then the job is handed to the poller.
 */
@ApplicationScoped
public class Submitter {

    private final JobLedger ledger;
    private final VideosClient provider;
    private final InputImages images;
    private final Poller poller;
    private final WorkerConfig config;
    private final Clock clock;

    public Submitter(JobLedger ledger, VideosClient provider, InputImages images, Poller poller,
            WorkerConfig config) {
        this.ledger = ledger;
        this.provider = provider;
        this.images = images;
        this.poller = poller;
        this.config = config;
        this.clock = Clock.systemUTC();
    }

    /** Takes a new job from accepted to submitted (or to its rejection or failure). */
    public Uni<JobState> submit(VideoRequest request, BigDecimal estimatedCost, int partition, Instant receivedAt) {
        JobState accepted = new JobState(request.jobId(), partition, JobStatus.ACCEPTED, request, null, null,
                estimatedCost, null, null, null, Timings.received(receivedAt), null, null, request.metadata(),
                clock.instant());
        return ledger.record(accepted)
                .chain(job -> prepareImage(job)
                        .chain(image -> image == null && request.inputReference() != null ? Uni.createFrom().item(job)
                                : createVideo(job, image)));
    }

    /** Loads the reference image; a rejection ends the job here, before any paid call (then the item is null). */
    private Uni<InputImages.Prepared> prepareImage(JobState job) {
        VideoRequest.InputReference reference = job.request().inputReference();
        if (reference == null) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().<InputImages.Prepared>emitter(emitter -> {
            try {
                emitter.complete(images.prepare(reference, job.request().size()));
            } catch (InputImages.Unusable e) {
                emitter.fail(e);
            } catch (IOException e) {
                emitter.fail(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure(InputImages.Unusable.class).call(e -> ledger.record(
                        job.ended(JobStatus.REJECTED, ((InputImages.Unusable) e).error(), clock.instant())))
                .onFailure(InputImages.Unusable.class).recoverWithNull();
    }

    private Uni<JobState> createVideo(JobState job, InputImages.Prepared image) {
        VideoRequest r = job.request();
        VideosClient.CreateVideo create = new VideosClient.CreateVideo(r.model(), r.prompt(), r.size(), r.seconds(),
                image == null ? null : image.bytes(), image == null ? null : image.fileName(),
                image == null ? null : image.contentType());
        return ledger.remember(job.withStatus(JobStatus.SUBMITTING, clock.instant()))
                .chain(intent -> provider.create(create)
                        .chain(video -> {
                            Instant now = clock.instant();
                            Log.infof("job %s submitted as %s", job.jobId(), video.id());
                            return ledger.record(intent.submitted(video.id(), now, now.plus(config.poll().deadline())));
                        })
                        .invoke(poller::follow)
                        .onFailure(ProviderException.class).recoverWithUni(e -> failed(intent, (ProviderException) e)));
    }

    private Uni<JobState> failed(JobState intent, ProviderException e) {
        JobError error;
        if (e.outcomeUnknown()) {
            Log.warnf("job %s: the outcome of the create call is unknown (%s); not retrying", intent.jobId(),
                    e.getMessage());
            error = new JobError("submission_unknown", "The provider did not confirm the submission ("
                    + e.getMessage() + "). A video may have been created and billed: check the provider's list of "
                    + "videos before sending this job again.", null, false);
        } else {
            Log.infof("job %s: the provider refused it: HTTP %d %s", intent.jobId(), e.httpStatus(), e.code());
            error = new JobError(e.code(), e.getMessage(), null, e.retryable());
        }
        return ledger.record(intent.ended(JobStatus.FAILED, error, clock.instant()));
    }
}
