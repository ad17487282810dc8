package dev.videoworker.submit;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.budget.SpendBudget;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.driver.JobDriver;
import dev.videoworker.job.Decision;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.journal.JobLedger;
import dev.videoworker.journal.JobStore;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.journal.StaleStateException;
import dev.videoworker.log.LogText;
import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.provider.CallNotSent;
import dev.videoworker.provider.ProviderException;
import dev.videoworker.provider.ProviderVideo;
import dev.videoworker.provider.Providers;
import dev.videoworker.provider.VideosClient;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Submits jobs to the provider at most once. The intent ({@code submitting}) is durable before the paid call and the
 * provider's video id right after it. When the outcome of a create is unknown (no answer, 5xx, 408) or a job is found
 * in {@code submitting} after a crash, the provider's list of recent videos decides: found, the job adopts that
 * video; certainly not found, it is submitted again; list unavailable, it fails with {@code submission_unknown}.
 * A provider without a list that calls back (OpenRouter) is sent a callback URL naming the job ({@link CallbackUrls}):
 * the job then waits for the callback, which names the video ({@link #calledBack}). A create call is never retried
 * blindly.
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
    /** The first pause of a reconciliation; each next one doubles, up to {@link #MAX_RECONCILE_WAIT}. */
    static final Duration RECONCILE_WAIT = Duration.ofSeconds(1);
    static final Duration MAX_RECONCILE_WAIT = Duration.ofSeconds(30);
    /** Candidates listed without their prompt that are looked up one by one; more are matched on the rest alone. */
    static final int MAX_CANDIDATE_LOOKUPS = 100;
    static final int REMEMBERED_PROMPTS = 10_000;
    /**
     * A create call is sent only while its intent was written less than this long ago ({@link CreateFence}): written
     * just now, it is the call's fence itself; older, it is written again first.
     */
    static final Duration FENCE_FRESH = Duration.ofSeconds(1);
    static final Duration FENCE_RETRY = Duration.ofSeconds(1);
    /** The pause before a recovery that failed (a journal write) is tried again from the job's state then. */
    static final Duration RECOVERY_RETRY = Duration.ofSeconds(5);

    private final JobLedger ledger;
    private final JobStore store;
    private final Providers providers;
    private final ModelCatalog catalog;
    private final InputImages images;
    private final JobDriver driver;
    private final WorkerConfig config;
    private final SpendBudget budget;
    private final GenerationSlots slots;
    private final CallbackUrls callbacks;
    private final Clock clock;
    private final CreateFence fence;
    /** Prompts of provider videos looked up while reconciling, by video id; bounded, the oldest forgotten first. */
    private final Map<String, String> prompts = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_PROMPTS;
        }
    });

    public Submitter(JobLedger ledger, JobStore store, Providers providers, InputImages images, JobDriver driver,
            WorkerConfig config, SpendBudget budget, GenerationSlots slots, ModelCatalog catalog,
            CallbackUrls callbacks) {
        this.catalog = catalog;
        this.callbacks = callbacks;
        this.budget = budget;
        this.slots = slots;
        this.ledger = ledger;
        this.store = store;
        this.providers = providers;
        this.images = images;
        this.driver = driver;
        this.config = config;
        this.clock = Clock.systemUTC();
        this.fence = new CreateFence(clock, FENCE_FRESH, ledger::current,
                intent -> driver.apply(intent, new JobEvent.IntentRenewed()));
    }

    /**
     * Takes a new job to its durable intent (or to its rejection); completes then, while the create call and the
     * recording of its outcome go on in the background.
     */
    public Uni<JobState> submit(VideoRequest request, BigDecimal estimatedCost, int partition, Instant receivedAt,
            String trace) {
        return prepareImage(request)
                .chain(image -> {
                    ModelCatalog.Choice choice;
                    try {
                        choice = catalog.choose(request);
                    } catch (ModelCatalog.Refused e) {
                        // Valid when parsed; its provider said meanwhile that it does not have the model.
                        return refuse(request, partition, e.error(), receivedAt, trace);
                    }
                    Optional<JobError> overBudget = budget.reserve(request.jobId(), partition, estimatedCost);
                    if (overBudget.isPresent()) {
                        Log.infof("job %s rejected: over the spend budget", LogText.safe(request.jobId()));
                        return refuse(request, partition, overBudget.get(), receivedAt, trace);
                    }
                    return driver.apply(null, request.jobId(), partition, new JobEvent.Requested(request, partition,
                            estimatedCost, receivedAt, trace, choice.offer().route(), choice.notice()))
                            .onFailure().invoke(e -> budget.refund(request.jobId()))
                            .map(decision -> {
                                if (decision.steps().contains(Decision.Step.SUBMIT)) {
                                    createInBackground(decision.next(), image);
                                } else {
                                    // Known meanwhile (a cancel before arrival won the race): never submitted.
                                    budget.refund(request.jobId());
                                }
                                return decision.next();
                            });
                })
                .onFailure(InputImages.Unusable.class).recoverWithUni(e -> refuse(request, partition,
                        ((InputImages.Unusable) e).error(), receivedAt, trace));
    }

    private Uni<JobState> refuse(VideoRequest request, int partition, JobError why, Instant receivedAt,
            String trace) {
        return driver.apply(null, request.jobId(), partition, new JobEvent.Refused(request.jobId(), partition,
                request, why, receivedAt, trace)).map(Decision::next);
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
            if (!ledger.current(intent)) {
                return Uni.createFrom().nullItem();
            }
            Log.infof("job %s was left in submitting; reconciling with the provider", LogText.safe(intent.jobId()));
            return reconcile(intent);
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
                Log.infof("job %s rejected: %s (inputReference): %s", LogText.safe(request.jobId()), e.error().code(),
                        LogText.safe(e.getMessage()));
                emitter.fail(e);
            } catch (IOException e) {
                emitter.fail(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private void createInBackground(JobState intent, InputImages.Prepared image) {
        create(intent, image).subscribe().with(done -> { }, e -> {
            if (e instanceof NotOwnerException) {
                Log.infof("job %s moved to another replica during its submission", LogText.safe(intent.jobId()));
                return;
            }
            if (e instanceof StaleStateException stale) {
                Log.infof("job %s was decided otherwise during its submission (%s)", LogText.safe(intent.jobId()),
                        stale.current() == null ? "forgotten" : stale.current().status().wireName());
                return;
            }
            // A state could not be written (Kafka failed for longer than the writer retries): the job is reconciled
            // from whatever intent is current, as after a crash.
            Log.errorf(e, "job %s: its submission did not finish; reconciling after the create timeout",
                    LogText.safe(intent.jobId()));
            resumeLater(intent.jobId());
        });
    }

    /**
     * Drives a job found in {@code submitting} (a take-over, a restart) until its submission is decided: a recovery
     * that fails on a journal write is tried again from the job's state then, as long as it is this replica's.
     */
    public void resume(JobState intent) {
        recover(intent).subscribe().with(done -> { }, e -> {
            if (e instanceof NotOwnerException || e instanceof StaleStateException) {
                Log.debugf("job %s: recovery ended (%s)", LogText.safe(intent.jobId()), e.getClass().getSimpleName());
                return;
            }
            Log.errorf(e, "job %s: recovery of its submission failed; trying again in %s", LogText.safe(intent.jobId()),
                    RECOVERY_RETRY);
            resumeLater(intent.jobId());
        });
    }

    private void resumeLater(String jobId) {
        Uni.createFrom().voidItem().onItem().delayIt().by(RECOVERY_RETRY).subscribe().with(done -> store.find(jobId)
                .filter(s -> s.status() == JobStatus.SUBMITTING && ledger.current(s)).ifPresent(this::resume));
    }

    private Uni<JobState> create(JobState intent, InputImages.Prepared image) {
        return create(intent, image, new LinkedHashSet<>());
    }

    /** {@link #create(JobState, InputImages.Prepared)}; {@code triedBefore}: providers this chain failed over from. */
    private Uni<JobState> create(JobState intent, InputImages.Prepared image, Set<String> triedBefore) {
        VideoRequest r = intent.request();
        VideosClient.CreateVideo create = new VideosClient.CreateVideo(providerModel(intent), r.prompt(), r.size(),
                r.seconds(),
                image == null ? null : image.bytes(), image == null ? null : image.fileName(),
                image == null ? null : image.contentType());
        AtomicReference<JobState> fenced = new AtomicReference<>(intent);
        VideosClient provider = providers.forJob(intent);
        String callbackUrl = callbacks.of(provider.settings(), intent.jobId()).orElse(null);
        return provider.create(create, intent.trace(), () -> fence.check(fenced), callbackUrl)
                .chain(video -> {
                    Log.infof("job %s submitted as %s", LogText.safe(intent.jobId()), LogText.safe(video.id()));
                    return adopt(fenced.get(), video.id());
                })
                .onFailure(CallNotSent.class).recoverWithUni(() -> notSent(intent))
                .onFailure(CreateFence.Failed.class).recoverWithUni(e -> {
                    // The intent could not be written again (Kafka failed for a moment, or its commits came back too
                    // late): no create was sent; the same create is tried again while the intent is still current here.
                    Log.warnf("job %s: the create call's fence could not be written (%s); trying again in %d ms",
                            LogText.safe(intent.jobId()), LogText.safe(e.getMessage()), FENCE_RETRY.toMillis());
                    return Uni.createFrom().voidItem().onItem().delayIt().by(FENCE_RETRY)
                            .chain(() -> create(fenced.get(), image, triedBefore));
                })
                .onFailure(ProviderException.class).recoverWithUni(e -> failed(fenced.get(), image,
                        (ProviderException) e, triedBefore));
    }

    /** The create call failed: refused (nothing made), rate limited (nothing made), or its outcome is unknown. */
    private Uni<JobState> failed(JobState intent, InputImages.Prepared image, ProviderException p,
            Set<String> triedBefore) {
        if (p.httpStatus() == 429 && !"insufficient_quota".equals(p.code())) {
            return rateLimited(intent, image, p);
        }
        if (Failover.definite(p, intent, deadline(intent), clock.instant())) {
            String provider = providers.forJob(intent).provider();
            if (Failover.modelNotFound(p)) {
                catalog.markUnavailable(provider, intent.request().model());
                Log.warnf("provider %s says it does not have model %s (HTTP %d %s): no more jobs go there for it",
                        LogText.safe(provider), LogText.safe(providerModel(intent)), p.httpStatus(),
                        LogText.safe(p.code()));
            }
            Set<String> tried = new LinkedHashSet<>(triedBefore);
            tried.add(provider);
            Optional<ModelCatalog.Offer> next = catalog.failover(intent.request(), tried);
            if (next.isPresent()) {
                return failOver(intent, image, p, provider, next.get(), tried);
            }
            if (Failover.modelNotFound(p)) {
                budget.refund(intent.jobId());
                return end(intent, JobStatus.FAILED, new JobError("model_unavailable", "Provider " + provider
                        + " does not have model '" + providerModel(intent) + "' (HTTP " + p.httpStatus() + " "
                        + p.code() + ") and no other configured provider offers '" + intent.request().model()
                        + "' for this request; nothing was made. Check the catalog's provider-model.", null, false));
            }
        }
        if (p.outcomeUnknown()) {
            Log.warnf("job %s: the outcome of the create call is unknown (%s); reconciling",
                    LogText.safe(intent.jobId()), LogText.safe(p.getMessage()));
            return reconcile(intent);
        }
        Log.infof("job %s: the provider refused it: HTTP %d %s", LogText.safe(intent.jobId()), p.httpStatus(),
                LogText.safe(p.code()));
        budget.refund(intent.jobId());
        return end(intent, JobStatus.FAILED, new JobError(p.code(), p.getMessage(), null, p.retryable()));
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
        Instant since = intent.timings() != null && intent.timings().receivedAt() != null
                ? intent.timings().receivedAt() : intent.updatedAt();
        if (!now.isBefore(since.plus(config.jobs().rateLimitedFor()))) {
            budget.refund(intent.jobId());
            return end(intent, JobStatus.FAILED, new JobError("rate_limited", "The provider refused the create call "
                    + "with 429 for " + config.jobs().rateLimitedFor() + " (" + p.getMessage() + "); nothing was "
                    + "created. Send the job again later with a new job id.", null, true));
        }
        Duration wait = p.retryAfter() != null ? p.retryAfter() : RATE_LIMIT_WAIT;
        wait = wait.compareTo(MAX_RATE_LIMIT_WAIT) > 0 ? MAX_RATE_LIMIT_WAIT : wait;
        wait = wait.plusMillis(ThreadLocalRandom.current().nextLong(1 + wait.toMillis() / 4));
        Log.infof("job %s: the provider is busy (HTTP 429); trying the create call again in %d ms",
                LogText.safe(intent.jobId()),
                wait.toMillis());
        // A job cancelled or moved meanwhile is dropped by the create call's fence.
        return Uni.createFrom().voidItem().onItem().delayIt().by(wait).chain(() -> create(intent, image));
    }

    /** The create call was dropped before it was sent: the job was decided otherwise, or moved to another replica. */
    private Uni<JobState> notSent(JobState intent) {
        JobState now = store.find(intent.jobId()).orElse(null);
        Log.infof("job %s: create call not sent: the intent is no longer current on this replica (the job is %s "
                + "here now)", LogText.safe(intent.jobId()),
                now == null ? "not held" : now.status().wireName());
        if (now != null && now.status().terminal()) {
            budget.refund(intent.jobId());
        }
        return Uni.createFrom().nullItem();
    }

    /**
     * The provider made {@code videoId} for the job (the create's answer, or the one match of a search). The driver
     * decides what it means now: the job's video while it is being submitted (then followed and billed); a video
     * nobody wants once the job was cancelled meanwhile (its id recorded and the video deleted).
     */
    private Uni<JobState> adopt(JobState intent, String videoId) {
        Duration deadline = deadline(intent);
        return driver.apply(intent, new JobEvent.VideoMade(videoId, deadline))
                .map(decision -> {
                    JobState job = decision.next();
                    if (decision.applies() && job.status() == JobStatus.SUBMITTED) {
                        budget.billed(job);
                    } else if (decision.steps().contains(Decision.Step.DELETE_VIDEO)) {
                        Log.infof("job %s ended (%s) before its video %s was known here; deleting that video",
                                LogText.safe(intent.jobId()), job.status().wireName(), LogText.safe(videoId));
                    }
                    return job;
                });
    }

    /** The submission ends without a video (refused, rate limited, nothing found, ambiguous, an unusable image). */
    private Uni<JobState> end(JobState intent, JobStatus terminal, JobError error) {
        return driver.apply(intent, new JobEvent.SubmissionEnded(terminal, error)).map(Decision::next);
    }

    /**
     * The outcome of a create call is unknown (no answer, 5xx, 408, or a replica stopped during it): its video may
     * exist, and a provider's list may show it only seconds later. The list is searched again and again, with growing
     * pauses, for {@code worker.jobs.reconcile-window} since the intent; one match is adopted, two or more fail the
     * job ({@code submission_unknown}, naming them), and only a window that passed with no match allows a new create.
     * Every round first checks that the intent is still the job's state on this replica.
     */
    Uni<JobState> reconcile(JobState intent) {
        return reconcile(intent, 0);
    }

    private Uni<JobState> reconcile(JobState intent, int round) {
        if (!ledger.current(intent)) {
            JobState now = store.find(intent.jobId()).orElse(null);
            if (now != null && now.status() == JobStatus.CANCELLED && now.epoch() == intent.epoch()
                    && ledger.current(now)) {
                return cleanUp(now, span(intent), intent.updatedAt().plus(config.jobs().reconcileWindow()), round);
            }
            Log.debugf("job %s: no longer reconciled here (it changed or moved)", LogText.safe(intent.jobId()));
            return Uni.createFrom().nullItem();
        }
        if (!providers.forJob(intent).capabilities().list()) {
            return callbacks.sent(providers.forJob(intent).settings()) ? awaitCallback(intent) : noList(intent);
        }
        Instant windowEnds = intent.updatedAt().plus(config.jobs().reconcileWindow());
        return search(intent, span(intent))
                .chain(search -> {
                    if (search.candidates().size() == 1) {
                        Log.infof("job %s: found its video %s at the provider; adopting it",
                                LogText.safe(intent.jobId()), LogText.safe(search.candidates().get(0).id()));
                        return adopt(intent, search.candidates().get(0).id());
                    }
                    if (search.candidates().size() > 1) {
                        return ambiguous(intent, search.candidates());
                    }
                    Instant now = clock.instant();
                    if (now.isBefore(windowEnds)) {
                        Duration wait = reconcileWait(round, Duration.between(now, windowEnds));
                        Log.debugf("job %s: %s; looking again in %d ms", LogText.safe(intent.jobId()),
                                search.unavailable() == null
                                ? "no video for it in the provider's list yet" : "the provider's list is unavailable ("
                                        + search.unavailable() + ")", wait.toMillis());
                        return Uni.createFrom().voidItem().onItem().delayIt().by(wait)
                                .chain(() -> reconcile(intent, round + 1));
                    }
                    if (search.unavailable() != null) {
                        return unknown(intent, search.unavailable());
                    }
                    return resubmit(intent);
                });
    }

    /**
     * The job was cancelled while the outcome of its create call was unknown: a video may have been made for it. The
     * list is searched as in a reconciliation (videos created within {@code span}, until {@code windowEnds}), and a
     * video found is deleted at the provider instead of adopted. Each round first checks that the cancelled state is
     * still the job's on this replica: a replica that gave the partition up leaves the search to the new owner.
     */
    private Uni<JobState> cleanUp(JobState cancelled, Span span, Instant windowEnds, int round) {
        if (!ledger.current(cancelled)) {
            Log.debugf("job %s: its clean-up is no longer this replica's (it changed or moved)",
                    LogText.safe(cancelled.jobId()));
            return Uni.createFrom().nullItem();
        }
        return search(cancelled, span)
                .chain(search -> {
                    if (search.candidates().size() == 1) {
                        Log.infof("job %s was cancelled while its create call's outcome was unknown; deleting the "
                                + "video %s made for it", LogText.safe(cancelled.jobId()),
                                LogText.safe(search.candidates().get(0).id()));
                        return adopt(cancelled, search.candidates().get(0).id());
                    }
                    if (search.candidates().size() > 1) {
                        Log.warnf("job %s was cancelled while its create call's outcome was unknown; %d videos could "
                                + "be its own (%s): none deleted", LogText.safe(cancelled.jobId()),
                                search.candidates().size(), LogText.safe(String.join(", ",
                                        search.candidates().stream().map(ProviderVideo::id).toList())));
                        return Uni.createFrom().item(cancelled);
                    }
                    Instant now = clock.instant();
                    if (!now.isBefore(windowEnds)) {
                        return Uni.createFrom().item(cancelled);
                    }
                    return Uni.createFrom().voidItem().onItem().delayIt()
                            .by(reconcileWait(round, Duration.between(now, windowEnds)))
                            .chain(() -> cleanUp(cancelled, span, windowEnds, round + 1));
                });
    }

    /**
     * A job taken over (a restart, a rebalance, a replica killed) that was cancelled while it was being submitted: its
     * previous owner may have stopped before the answer to its create call, or before its search found the video the
     * call made. Any create for it was sent between its request's arrival and its cancel, so its video shows in the
     * provider's list within the create timeout and the reconcile window after the cancel: the list is searched until
     * then (at least once, also when the take-over comes later), and a video found is deleted.
     */
    public void cleanUpAfterTakeOver(JobState cancelled) {
        Instant sentFrom = cancelled.timings() != null && cancelled.timings().receivedAt() != null
                ? cancelled.timings().receivedAt() : cancelled.updatedAt();
        Instant sentBy = cancelled.updatedAt();
        Span span = new Span(sentFrom.minus(CLOCK_SKEW), sentBy.plus(config.jobs().createTimeout()).plus(CLOCK_SKEW));
        Instant windowEnds = sentBy.plus(config.jobs().createTimeout()).plus(config.jobs().reconcileWindow());
        Log.infof("job %s was cancelled while it was being submitted; searching the provider's list for a video made "
                + "for it", LogText.safe(cancelled.jobId()));
        cleanUp(cancelled, span, windowEnds, 0).subscribe().with(done -> { }, e -> Log.warnf(
                "job %s: the search for a video made for it before its cancel failed: %s",
                LogText.safe(cancelled.jobId()), LogText.safe(e.toString())));
    }

    /** When a video made by a create call of the job was created, as the provider's clock may tell it. */
    record Span(Instant from, Instant to) {
    }

    /** The videos a create call sent for this intent can have made: from its writing to the end of the call. */
    private Span span(JobState intent) {
        return new Span(intent.updatedAt().minus(CLOCK_SKEW),
                intent.updatedAt().plus(config.jobs().createTimeout()).plus(CLOCK_SKEW));
    }

    /**
     * One search of the provider's list for the job's video; a list that cannot be read is a finding, not a
     * failure.
     */
    private Uni<Search> search(JobState intent, Span span) {
        return candidates(intent, span)
                .map(Search::found)
                .onFailure(ProviderException.class).recoverWithItem(e -> Search.unavailable(e.getMessage()));
    }

    /** What one search of the provider's list found: the matching videos, or why the list could not be read. */
    private record Search(List<ProviderVideo> candidates, String unavailable) {
        static Search found(List<ProviderVideo> candidates) {
            return new Search(candidates, null);
        }

        static Search unavailable(String why) {
            return new Search(List.of(), why);
        }
    }

    /** The pause before round {@code round + 1}: doubling from a second, at most 30 s, never past the window. */
    static Duration reconcileWait(int round, Duration leftInWindow) {
        long ms = Math.min(MAX_RECONCILE_WAIT.toMillis(), RECONCILE_WAIT.toMillis() << Math.min(round, 10));
        ms += ThreadLocalRandom.current().nextLong(1 + ms / 5);
        return Duration.ofMillis(Math.max(1, Math.min(ms, leftInWindow.toMillis() + 1)));
    }

    private Uni<JobState> ambiguous(JobState intent, List<ProviderVideo> candidates) {
        String ids = String.join(", ", candidates.stream().map(ProviderVideo::id).toList());
        Log.warnf("job %s: %d videos at the provider could be its own (%s); adopting none",
                LogText.safe(intent.jobId()), candidates.size(), LogText.safe(ids));
        return end(intent, JobStatus.FAILED, new JobError("submission_unknown", "The provider did not confirm the "
                + "submission, and " + candidates.size() + " of its videos match the job (" + ids + "): the worker "
                + "cannot tell which one is this job's and adopts none. At most one of them was made for this job; "
                + "check them before sending it again.", null, false));
    }

    /**
     * A provider without a list (OpenRouter, Together, relays) cannot say whether the create made a video: searching
     * would only wait out the window, and a second create could pay twice. Nothing is refunded: it may have been spent.
     */
    private Uni<JobState> noList(JobState intent) {
        VideosClient provider = providers.forJob(intent);
        Log.warnf("job %s: the outcome of its create call is unknown and provider %s has no list to learn it from",
                LogText.safe(intent.jobId()), LogText.safe(provider.provider()));
        String callbackHint = provider.capabilities().callbackUrl() ? " The provider can call back instead: configure "
                + "worker.webhooks.public-url and the provider's webhook secret to have such jobs reconciled through "
                + "its callback." : "";
        return end(intent, JobStatus.FAILED, new JobError("submission_unknown", "The provider did not confirm the "
                + "submission, and provider " + provider.provider() + " (" + provider.settings().dialect().name()
                + ") has no list of videos from which the create call's outcome could be learnt. A video may have "
                + "been created and billed: check the provider's videos before sending this job again."
                + callbackHint, null, false));
    }

    /**
     * The outcome of the create call is unknown at a provider without a list, and the call carried the job's callback
     * URL: the provider names the video when it calls back, once the video is final ({@link #calledBack}). The job
     * stays {@code submitting} (its intent is durable, so a new owner waits too) until
     * {@code worker.jobs.callback-window} after the intent, then ends {@code submission_unknown}: never a second
     * create. A job adopted, cancelled or moved meanwhile is no longer this wait's.
     */
    private Uni<JobState> awaitCallback(JobState intent) {
        Instant windowEnds = intent.updatedAt().plus(config.jobs().callbackWindow());
        Duration wait = Duration.between(clock.instant(), windowEnds);
        Log.infof("job %s: waiting until %s for provider %s to call back with the video its create call made",
                LogText.safe(intent.jobId()), windowEnds, LogText.safe(providers.forJob(intent).provider()));
        Uni<Void> pause = wait.isNegative() || wait.isZero() ? Uni.createFrom().voidItem()
                : Uni.createFrom().voidItem().onItem().delayIt().by(wait);
        return pause.chain(() -> {
            if (!ledger.current(intent)) {
                Log.debugf("job %s: no longer waits for a callback here (it changed or moved)",
                        LogText.safe(intent.jobId()));
                return Uni.createFrom().nullItem();
            }
            VideosClient provider = providers.forJob(intent);
            Log.warnf("job %s: provider %s did not call back within %s of the create call", LogText.safe(
                    intent.jobId()), LogText.safe(provider.provider()), config.jobs().callbackWindow());
            return end(intent, JobStatus.FAILED, new JobError("submission_unknown", "The provider did not confirm "
                    + "the submission, and no callback for this job arrived within " + config.jobs().callbackWindow()
                    + " of its create call (provider " + provider.provider() + " has no list of videos to search "
                    + "instead). A video may have been created and billed: check the provider's videos before "
                    + "sending this job again.", null, false));
        });
    }

    /**
     * The provider called back naming {@code videoId} as the video made for a job of this replica that is being
     * submitted: adopted as a create's answer would be (the job's driver decides; the poller then follows the video).
     * Completes with the job's state after it.
     */
    public Uni<JobState> calledBack(JobState intent, String videoId) {
        if (intent.status() != JobStatus.SUBMITTING) {
            return Uni.createFrom().failure(new IllegalArgumentException("job " + intent.jobId() + " is "
                    + intent.status().wireName() + ", not submitting"));
        }
        Log.infof("job %s: provider %s called back: its video is %s", LogText.safe(intent.jobId()),
                LogText.safe(providers.forJob(intent).provider()), LogText.safe(videoId));
        return adopt(intent, videoId);
    }

    private Uni<JobState> unknown(JobState intent, String why) {
        Log.warnf("job %s: cannot list the provider's videos (%s)", LogText.safe(intent.jobId()), LogText.safe(why));
        return end(intent, JobStatus.FAILED, new JobError("submission_unknown", "The provider did not confirm the "
                + "submission and its list of videos could not be read within " + config.jobs().reconcileWindow()
                + " (" + why + "). A video may have been created and billed: check the provider's videos before "
                + "sending this job again.", null, false));
    }

    /**
     * The create at the job's provider failed for certain before anything was made there: a new intent at the next
     * provider of the model (announced, with why), then its create.
     */
    private Uni<JobState> failOver(JobState intent, InputImages.Prepared image, ProviderException p, String from,
            ModelCatalog.Offer next, Set<String> tried) {
        String why = "Provider " + from + " could not make the job (HTTP " + p.httpStatus() + " " + p.code() + ": "
                + p.getMessage() + "); nothing was made there. Moved to provider " + next.provider() + ".";
        Log.infof("job %s: failing over from %s to %s (HTTP %d %s)", LogText.safe(intent.jobId()),
                LogText.safe(from), LogText.safe(next.provider()), p.httpStatus(), LogText.safe(p.code()));
        return driver.apply(intent, new JobEvent.FailedOver(next.route(), why))
                .chain(decision -> decision.steps().contains(Decision.Step.SUBMIT)
                        ? create(decision.next(), image, tried) : Uni.createFrom().item(decision.next()));
    }

    /** How long the job may take from its submission: its model's deadline at its provider, else the default. */
    private Duration deadline(JobState job) {
        return catalog.spec(job).flatMap(WorkerConfig.Model::deadline).orElse(config.poll().deadline());
    }

    /** The window passed and the provider's list never showed a video of the job: it made none. */
    private Uni<JobState> resubmit(JobState intent) {
        if (intent.attempts() >= config.jobs().maxSubmitAttempts()) {
            budget.refund(intent.jobId());
            return end(intent, JobStatus.FAILED, JobError.of("submission_failed", intent.attempts() + " create calls "
                    + "got no answer and none of them created a video at the provider; giving up."));
        }
        Log.infof("job %s: the provider has shown no video for it within %s; submitting again",
                LogText.safe(intent.jobId()),
                config.jobs().reconcileWindow());
        return prepareImage(intent.request())
                .chain(image -> driver.apply(intent, new JobEvent.Resubmitting())
                        .chain(decision -> decision.steps().contains(Decision.Step.SUBMIT)
                                ? create(decision.next(), image) : Uni.createFrom().item(decision.next())))
                .onFailure(InputImages.Unusable.class).recoverWithUni(e -> end(intent, JobStatus.REJECTED,
                        ((InputImages.Unusable) e).error()));
    }

    /**
     * The provider's videos that may be this job's: created since a little before the intent, with the job's model,
     * size and seconds, a prompt that is the job's or not shown, and followed by no other job. Entries listed without
     * their prompt are looked up one by one (a retrieve shows it at most providers) while there are few of them.
     */
    private Uni<List<ProviderVideo>> candidates(JobState intent, Span span) {
        return listMatching(intent, span, null, 0, new ArrayList<>()).chain(listed -> {
            long unknown = listed.stream().filter(v -> v.prompt() == null && prompts.get(v.id()) == null).count();
            if (unknown > MAX_CANDIDATE_LOOKUPS) {
                return Uni.createFrom().item(listed.stream().filter(v -> promptMayBe(intent, v.id())).toList());
            }
            List<Uni<ProviderVideo>> lookups = listed.stream().map(v -> v.prompt() != null
                    || prompts.get(v.id()) != null ? Uni.createFrom().item(v) : lookUp(v, intent)).toList();
            if (lookups.isEmpty()) {
                return Uni.createFrom().item(List.<ProviderVideo>of());
            }
            return Uni.join().all(lookups).andFailFast()
                    .map(seen -> seen.stream().filter(v -> v != null && (v.prompt() != null
                            ? v.prompt().equals(intent.request().prompt()) : promptMayBe(intent, v.id()))).toList());
        });
    }

    /**
     * Retrieves a video listed without its prompt, to read the prompt (remembered: a video's prompt never changes).
     * Null when it is gone meanwhile (404): deleted since the list was read, by the job that stored it — a video
     * made for this job is deleted by nobody while the job is being submitted, so it is not this job's.
     */
    private Uni<ProviderVideo> lookUp(ProviderVideo listed, JobState intent) {
        return providers.forJob(intent).retrieve(listed.id(), intent.trace()).invoke(v -> {
            if (v.prompt() != null) {
                prompts.put(v.id(), v.prompt());
            }
        }).onFailure(e -> e instanceof ProviderException p && p.httpStatus() == 404).recoverWithNull();
    }

    /** Whether the video's prompt, when it was ever seen, is the job's. */
    private boolean promptMayBe(JobState intent, String videoId) {
        String seen = prompts.get(videoId);
        return seen == null || seen.equals(intent.request().prompt());
    }

    /** Pages through the provider's videos, newest first, back to a little before the intent was written. */
    private Uni<List<ProviderVideo>> listMatching(JobState intent, Span span, String after, int page,
            List<ProviderVideo> found) {
        return providers.forJob(intent).listNewest(LIST_PAGE, after, intent.trace()).map(Optional::of)
                .onFailure(e -> after != null && e instanceof ProviderException p && p.httpStatus() == 404)
                .recoverWithItem(Optional.empty())
                .chain(read -> read.isPresent() ? nextPage(intent, span, read.get(), page, found)
                        : fromTheTop(intent, span, after, page));
    }

    /** Adds the page's matches to {@code found}; reads the next page while it can still hold videos of the span. */
    private Uni<List<ProviderVideo>> nextPage(JobState intent, Span span, VideosClient.Page p, int page,
            List<ProviderVideo> found) {
        for (ProviderVideo v : p.videos()) {
            if (matches(intent, v, span)) {
                found.add(v);
            }
        }
        ProviderVideo oldest = p.videos().isEmpty() ? null : p.videos().get(p.videos().size() - 1);
        boolean olderThanIntent = oldest != null && oldest.createdAt() != null
                && oldest.createdAt().isBefore(span.from());
        if (!p.hasMore() || p.lastId() == null || olderThanIntent) {
            return Uni.createFrom().item(found);
        }
        if (page + 1 >= MAX_LIST_PAGES) {
            return Uni.createFrom().failure(new ProviderException(0, "list_too_long", "more than "
                    + MAX_LIST_PAGES * LIST_PAGE + " videos were created since the job's submission",
                    false, false, null, null));
        }
        return listMatching(intent, span, p.lastId(), page + 1, found);
    }

    /**
     * The video the cursor names is gone since the page before was read (deleted by the job that stored it; the
     * provider answers 404 for the cursor): the list is read again from its newest entry, and the pages read so far
     * still count against {@link #MAX_LIST_PAGES}.
     */
    private Uni<List<ProviderVideo>> fromTheTop(JobState intent, Span span, String goneCursor, int page) {
        if (page + 1 >= MAX_LIST_PAGES) {
            return Uni.createFrom().failure(new ProviderException(0, "list_too_long", "the list changed under its "
                    + "cursor until " + MAX_LIST_PAGES + " pages had been read", false, false, null, null));
        }
        Log.debugf("job %s: the list's cursor %s is gone; reading the list again from its newest video",
                LogText.safe(intent.jobId()), LogText.safe(goneCursor));
        return listMatching(intent, span, null, page + 1, new ArrayList<>());
    }

    private boolean matches(JobState intent, ProviderVideo v, Span span) {
        VideoRequest r = intent.request();
        String model = providerModel(intent);
        return (v.prompt() == null || r.prompt().equals(v.prompt()))
                && (v.model() == null || v.model().equals(model) || SNAPSHOT.matcher(v.model()).matches()
                        && v.model().startsWith(model + "-"))
                && (v.size() == null || v.size().equals(r.size()))
                && (v.seconds() == null || v.seconds().equals(r.seconds()))
                && v.createdAt() != null && !v.createdAt().isBefore(span.from()) && !v.createdAt().isAfter(span.to())
                && !store.followedByAnother(v.id(), intent.jobId());
    }

    /** The model's name at the job's provider: its route's, or the request's for a job without a route. */
    static String providerModel(JobState job) {
        return job.route() != null && job.route().model() != null ? job.route().model() : job.request().model();
    }
}
