package dev.videoworker.submit;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.budget.SpendBudget;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobLedger;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.JobStore;
import dev.videoworker.job.NotOwnerException;
import dev.videoworker.poll.Poller;
import dev.videoworker.provider.ProviderException;
import dev.videoworker.provider.ProviderVideo;
import dev.videoworker.provider.VideosClient;
import dev.videoworker.request.VideoRequest;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Submits jobs to the provider at most once. The intent ({@code submitting}) is durable before the paid call and the
 * provider's video id right after it. When the outcome of a create is unknown (no answer, 5xx, 408) or a job is found
 * in {@code submitting} after a crash, the provider's list of recent videos decides: found, the job adopts that
 * video; certainly not found, it is submitted again; list unavailable, it fails with {@code submission_unknown}.
 * A create call is never retried blindly.
 */
@ApplicationScoped
public class Submitter {

    /** How far provider and worker clocks may disagree when matching a video to an intent. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(2);
    static final int LIST_PAGE = 100;
    static final int MAX_LIST_PAGES = 20;
    /** A dated snapshot of a model, e.g. {@code sora-2-2025-10-06} for {@code sora-2}. */
    private static final Pattern SNAPSHOT = Pattern.compile(".*-\\d{4}-\\d{2}-\\d{2}");
    /** How a provider that caps concurrent jobs words its 429 (Azure: "Too many running tasks"). */
    private static final Pattern TOO_MANY_RUNNING = Pattern.compile("(?i)too many (running|concurrent)");
    static final Duration RATE_LIMIT_WAIT = Duration.ofSeconds(5);
    static final Duration MAX_RATE_LIMIT_WAIT = Duration.ofSeconds(60);

    private final JobLedger ledger;
    private final JobStore store;
    private final VideosClient provider;
    private final InputImages images;
    private final Poller poller;
    private final WorkerConfig config;
    private final SpendBudget budget;
    private final GenerationSlots slots;
    private final Clock clock;

    public Submitter(JobLedger ledger, JobStore store, VideosClient provider, InputImages images, Poller poller,
            WorkerConfig config, SpendBudget budget, GenerationSlots slots) {
        this.budget = budget;
        this.slots = slots;
        this.ledger = ledger;
        this.store = store;
        this.provider = provider;
        this.images = images;
        this.poller = poller;
        this.config = config;
        this.clock = Clock.systemUTC();
    }

    /**
     * Takes a new job to its durable intent (or to its rejection); completes then, while the create call and the
     * recording of its outcome go on in the background.
     */
    public Uni<JobState> submit(VideoRequest request, BigDecimal estimatedCost, int partition, Instant receivedAt,
            String trace) {
        return prepareImage(request)
                .chain(image -> {
                    Optional<JobError> overBudget = budget.reserve(request.jobId(), partition, estimatedCost);
                    if (overBudget.isPresent()) {
                        Log.infof("job %s rejected: over the spend budget", request.jobId());
                        return ledger.record(null, JobState.rejected(request.jobId(), partition, request,
                                overBudget.get(), receivedAt, clock.instant(), trace));
                    }
                    return ledger.record(null, JobState.submitting(request, partition, estimatedCost, receivedAt,
                            clock.instant(), trace))
                            .onFailure().invoke(e -> budget.refund(request.jobId()))
                            .invoke(intent -> createInBackground(intent, image));
                })
                .onFailure(InputImages.Unusable.class).recoverWithUni(e -> ledger.record(null, JobState.rejected(
                        request.jobId(), partition, request, ((InputImages.Unusable) e).error(), receivedAt,
                        clock.instant(), trace)));
    }

    /**
     * Resumes a job found in {@code submitting} (a replica stopped between intent and answer): waits until its create
     * call must have ended, then reconciles.
     */
    public Uni<JobState> recover(JobState intent) {
        Duration wait = Duration.between(clock.instant(), intent.updatedAt().plus(config.jobs().createTimeout()));
        Uni<Void> pause = wait.isNegative() || wait.isZero() ? Uni.createFrom().voidItem()
                : Uni.createFrom().voidItem().onItem().delayIt().by(wait);
        return pause.chain(() -> {
            JobState current = store.find(intent.jobId()).orElse(null);
            if (current != intent) {
                return Uni.createFrom().nullItem();
            }
            Log.infof("job %s was left in submitting; reconciling with the provider", intent.jobId());
            return reconcile(current);
        });
    }

    private Uni<InputImages.Prepared> prepareImage(VideoRequest request) {
        VideoRequest.InputReference reference = request.inputReference();
        if (reference == null) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().<InputImages.Prepared>emitter(emitter -> {
            try {
                emitter.complete(images.prepare(reference, request.size()));
            } catch (InputImages.Unusable e) {
                Log.infof("job %s rejected: %s (inputReference): %s", request.jobId(), e.error().code(),
                        e.getMessage());
                emitter.fail(e);
            } catch (IOException e) {
                emitter.fail(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private void createInBackground(JobState intent, InputImages.Prepared image) {
        create(intent, image).subscribe().with(done -> { }, e -> {
            if (e instanceof NotOwnerException) {
                Log.infof("job %s moved to another replica during its submission", intent.jobId());
                return;
            }
            // A state could not be written (Kafka failed for longer than the writer retries): the job is reconciled
            // from whatever intent is current, as after a crash.
            Log.errorf(e, "job %s: its submission did not finish; reconciling after the create timeout",
                    intent.jobId());
            store.find(intent.jobId()).filter(s -> s.status() == JobStatus.SUBMITTING).ifPresent(s -> recover(s)
                    .subscribe().with(done -> { }, again -> Log.errorf(again, "job %s: reconciliation failed",
                            intent.jobId())));
        });
    }

    private Uni<JobState> create(JobState intent, InputImages.Prepared image) {
        VideoRequest r = intent.request();
        VideosClient.CreateVideo create = new VideosClient.CreateVideo(r.model(), r.prompt(), r.size(), r.seconds(),
                image == null ? null : image.bytes(), image == null ? null : image.fileName(),
                image == null ? null : image.contentType());
        return provider.create(create, intent.trace())
                .chain(video -> {
                    Log.infof("job %s submitted as %s", intent.jobId(), video.id());
                    return adopt(intent, video.id());
                })
                .onFailure(ProviderException.class).recoverWithUni(e -> {
                    ProviderException p = (ProviderException) e;
                    if (p.httpStatus() == 429 && !"insufficient_quota".equals(p.code())) {
                        return rateLimited(intent, image, p);
                    }
                    if (p.outcomeUnknown()) {
                        Log.warnf("job %s: the outcome of the create call is unknown (%s); reconciling",
                                intent.jobId(), p.getMessage());
                        return reconcile(intent);
                    }
                    Log.infof("job %s: the provider refused it: HTTP %d %s", intent.jobId(), p.httpStatus(),
                            p.code());
                    budget.refund(intent.jobId());
                    return ledger.record(intent, intent.ended(JobStatus.FAILED,
                            new JobError(p.code(), p.getMessage(), null, p.retryable()), clock.instant()));
                });
    }

    /**
     * A 429 means the provider made nothing, so trying the same create again later is not a blind retry. After
     * {@code Retry-After} (or a few seconds), while the job is still this chain's, for at most
     * {@code worker.jobs.rate-limited-for} since the intent.
     */
    private Uni<JobState> rateLimited(JobState intent, InputImages.Prepared image, ProviderException p) {
        if (p.getMessage() != null && TOO_MANY_RUNNING.matcher(p.getMessage()).find()) {
            slots.tooManyRunning();
        }
        Instant now = clock.instant();
        if (!now.isBefore(intent.updatedAt().plus(config.jobs().rateLimitedFor()))) {
            budget.refund(intent.jobId());
            return ledger.record(intent, intent.ended(JobStatus.FAILED, new JobError("rate_limited", "The provider "
                    + "refused the create call with 429 for " + config.jobs().rateLimitedFor() + " (" + p.getMessage()
                    + "); nothing was created. Send the job again later with a new job id.", null, true), now));
        }
        Duration wait = p.retryAfter() != null ? p.retryAfter() : RATE_LIMIT_WAIT;
        wait = wait.compareTo(MAX_RATE_LIMIT_WAIT) > 0 ? MAX_RATE_LIMIT_WAIT : wait;
        wait = wait.plusMillis(ThreadLocalRandom.current().nextLong(1 + wait.toMillis() / 4));
        Log.infof("job %s: the provider is busy (HTTP 429); trying the create call again in %d ms", intent.jobId(),
                wait.toMillis());
        return Uni.createFrom().voidItem().onItem().delayIt().by(wait).chain(() -> {
            if (store.find(intent.jobId()).orElse(null) != intent) {
                return Uni.createFrom().failure(new NotOwnerException(intent.partition()));
            }
            return create(intent, image);
        });
    }

    private Uni<JobState> adopt(JobState intent, String videoId) {
        Instant now = clock.instant();
        Duration deadline = Optional.ofNullable(config.models().get(intent.request().model()))
                .flatMap(WorkerConfig.Model::deadline).orElse(config.poll().deadline());
        return ledger.record(intent, intent.submitted(videoId, now, now.plus(deadline)))
                .invoke(budget::billed)
                .invoke(poller::follow);
    }

    Uni<JobState> reconcile(JobState intent) {
        return findAtProvider(intent, null, 0)
                .chain(found -> {
                    if (found.isPresent()) {
                        Log.infof("job %s: found its video %s at the provider; adopting it", intent.jobId(),
                                found.get().id());
                        return adopt(intent, found.get().id());
                    }
                    if (intent.attempts() >= config.jobs().maxSubmitAttempts()) {
                        budget.refund(intent.jobId());
                        return ledger.record(intent, intent.ended(JobStatus.FAILED, JobError.of("submission_failed",
                                intent.attempts() + " create calls got no answer and none of them created a "
                                        + "video at the provider; giving up."), clock.instant()));
                    }
                    Log.infof("job %s: the provider has no video for it; submitting again", intent.jobId());
                    return prepareImage(intent.request())
                            .chain(image -> ledger.remember(intent, intent.resubmitting(clock.instant()))
                                    .chain(next -> create(next, image)))
                            .onFailure(InputImages.Unusable.class).recoverWithUni(e -> ledger.record(intent,
                                    intent.ended(JobStatus.REJECTED, ((InputImages.Unusable) e).error(),
                                            clock.instant())));
                })
                .onFailure(ProviderException.class).recoverWithUni(e -> {
                    Log.warnf("job %s: cannot list the provider's videos (%s)", intent.jobId(), e.getMessage());
                    return ledger.record(intent, intent.ended(JobStatus.FAILED, new JobError("submission_unknown",
                            "The provider did not confirm the submission and its list of videos could not be "
                                    + "read (" + e.getMessage() + "). A video may have been created and billed: "
                                    + "check the provider's videos before sending this job again.", null, false),
                            clock.instant()));
                });
    }

    /** Pages through the provider's videos, newest first, back to a little before the intent was written. */
    private Uni<Optional<ProviderVideo>> findAtProvider(JobState intent, String after, int page) {
        Instant from = intent.updatedAt().minus(CLOCK_SKEW);
        return provider.listNewest(LIST_PAGE, after, intent.trace()).chain(p -> {
            for (ProviderVideo v : p.videos()) {
                if (matches(intent, v, from)) {
                    return Uni.createFrom().item(Optional.of(v));
                }
            }
            boolean olderThanIntent = !p.videos().isEmpty() && p.videos().get(p.videos().size() - 1).createdAt()
                    != null && p.videos().get(p.videos().size() - 1).createdAt().isBefore(from);
            if (!p.hasMore() || p.lastId() == null || olderThanIntent) {
                return Uni.createFrom().item(Optional.<ProviderVideo>empty());
            }
            if (page + 1 >= MAX_LIST_PAGES) {
                return Uni.createFrom().failure(new ProviderException(0, "list_too_long", "more than "
                        + MAX_LIST_PAGES * LIST_PAGE + " videos were created since the job's submission",
                        false, false, null, null));
            }
            return findAtProvider(intent, p.lastId(), page + 1);
        });
    }

    private boolean matches(JobState intent, ProviderVideo v, Instant from) {
        VideoRequest r = intent.request();
        return r.prompt().equals(v.prompt())
                && (v.model() == null || v.model().equals(r.model()) || SNAPSHOT.matcher(v.model()).matches()
                        && v.model().startsWith(r.model() + "-"))
                && (v.size() == null || v.size().equals(r.size()))
                && (v.seconds() == null || v.seconds().equals(r.seconds()))
                && v.createdAt() != null && !v.createdAt().isBefore(from)
                && !store.followedByAnother(v.id(), intent.jobId());
    }
}
