package dev.videoworker.poll;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.budget.SpendBudget;
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
import dev.videoworker.journal.StaleStateException;
import dev.videoworker.log.LogText;
import dev.videoworker.metrics.WorkerMetrics;
import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.provider.CallNotSent;
import dev.videoworker.provider.ProviderException;
import dev.videoworker.provider.ProviderSettings;
import dev.videoworker.provider.ProviderStatus;
import dev.videoworker.provider.ProviderVideo;
import dev.videoworker.provider.Providers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/**
 * The polling stage: follows submitted jobs, polls the provider when the {@link PollSchedule} plans, and sends what
 * each poll saw to the job's driver (which records and announces a change of status or progress, not every poll), and
 * the deadline of a stuck job. Also deletes the provider's copy of a job that ended without wanting it. One chain
 * polls a job at a time; it ends when the driver no longer has the job generating.
 */
@ApplicationScoped
public class Poller {

    private static final Duration DELETE_RETRY_MAX = Duration.ofMinutes(5);
    private static final int DELETE_ATTEMPTS = 20;
    /** No poll waits longer, whatever a provider's Retry-After asked. */
    private static final Duration LONGEST_WAIT = Duration.ofDays(1);

    private final JobStore store;
    private final JobLedger ledger;
    private final Providers providers;
    private final JobDriver driver;
    private final Vertx vertx;
    private final WorkerConfig.Poll config;
    private final WorkerMetrics metrics;
    private final ModelCatalog catalog;
    private final SpendBudget budget;
    private final PollSchedule plans;
    private final Clock clock = Clock.systemUTC();
    /** The poll each job waits for, so a webhook can bring it forward. */
    private final Map<String, PendingPoll> pending = new ConcurrentHashMap<>();
    /** The waiting polls of all jobs, on one timer. */
    private final WaitQueue polls;
    private volatile boolean stopping;
    private volatile Instant lastPollAt = Instant.now();
    private final Timer lateness;

    public Poller(JobStore store, JobLedger ledger, JobDriver driver, Providers providers, Vertx vertx,
            WorkerConfig config, WorkerMetrics metrics, MeterRegistry registry, SpendBudget budget,
            ModelCatalog catalog) {
        this.catalog = catalog;
        this.metrics = metrics;
        this.budget = budget;
        this.store = store;
        this.ledger = ledger;
        this.providers = providers;
        this.driver = driver;
        this.vertx = vertx;
        this.config = config.poll();
        this.polls = new WaitQueue(vertx);
        this.plans = new PollSchedule(this.config.minInterval(), this.config.maxInterval(), this.config.jitter(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.lateness = Timer.builder("worker.poll.lateness")
                .description("How late a planned poll fired (event-loop and timer delay)")
                .publishPercentiles(0.5, 0.9, 0.99).register(registry);
    }

    /** Starts following a job that the provider is generating. */
    public void follow(JobState job) {
        int progress = job.progress() == null ? 0 : job.progress();
        PollSchedule.Seen seen = progress > 0 && job.updatedAt() != null
                ? new PollSchedule.Seen(progress, job.updatedAt().toEpochMilli()) : null;
        PollSchedule.Plan plan = plan(job, seen, null);
        schedule(job, plan.seen(), plan.delay());
    }

    /** The next poll of a job in generation, from what it has shown so far and how long its model usually takes. */
    private PollSchedule.Plan plan(JobState job, PollSchedule.Seen seen, Duration pollAfter) {
        Instant now = clock.instant();
        Instant submitted = job.timings() != null && job.timings().submittedAt() != null
                ? job.timings().submittedAt() : now;
        Duration expected = expectedDuration(job);
        PollSchedule.Plan plan = plans.next(now, submitted, job.progress() == null ? 0 : job.progress(), seen,
                expected, pollAfter);
        if (job.deadline() != null && now.plus(plan.delay()).isAfter(job.deadline())) {
            // A long wait must not carry a stuck job far past its deadline: poll (and end it) right after it.
            Duration untilDeadline = Duration.between(now, job.deadline()).plusMillis(1);
            return new PollSchedule.Plan(untilDeadline.isNegative() ? Duration.ZERO : untilDeadline, plan.seen());
        }
        return plan;
    }

    /** When the last poll started (start-up time before the first): the liveness check watches it. */
    public Instant lastPollAt() {
        return lastPollAt;
    }

    /** Stops starting polls and uploads (shutdown); what is in flight is resumed by the next owner. */
    public void stop() {
        stopping = true;
    }

    /**
     * One chain drives a job: it holds the state it last saw, and stops when the store holds another one (the
     * partition was given up, or given up and taken back, and a new chain drives the job).
     */
    private void schedule(JobState expected, PollSchedule.Seen seen, Duration delay) {
        if (!stopping) {
            PendingPoll poll = new PendingPoll(System.nanoTime() + waitMillis(delay) * 1_000_000, expected, seen);
            pending.put(expected.jobId(), poll);
            polls.add(poll);
        }
    }

    /** A poll's wait in milliseconds: at least 1, at most {@link #LONGEST_WAIT}, whatever a provider asked. */
    static long waitMillis(Duration delay) {
        return delay.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT.toMillis() : Math.max(1, delay.toMillis());
    }

    private long timer(long delayMillis, Handler<Long> handler) {
        return WaitTimers.set(vertx, delayMillis, handler);
    }

    /** What {@link #pollNow} did. */
    public enum Nudge {
        /** The job's pending poll was cancelled and runs now. */
        POLLED,
        /** No poll is pending: one is running, or the job is storing or finished; that chain sees the outcome. */
        BUSY,
        /** No job of this replica follows that video (another replica may own it). */
        UNKNOWN_VIDEO
    }

    /**
     * Brings the next poll of the job following {@code videoId} forward to now (a webhook said the video finished).
     * Only a job whose next poll is waiting is nudged, and only when that wait could still be cancelled (it was not
     * taken out to run), so there is never a second chain for a job: the poll records what it sees through the ledger
     * as any other poll does.
     */
    public Nudge pollNow(String videoId) {
        JobState job = store.findByVideoId(videoId).orElse(null);
        if (job == null) {
            return Nudge.UNKNOWN_VIDEO;
        }
        PendingPoll waiting = pending.remove(job.jobId());
        if (waiting == null) {
            return Nudge.BUSY;
        }
        JobState expected = waiting.expected;
        PollSchedule.Seen seen = waiting.seen;
        if (!polls.cancel(waiting)) {
            return Nudge.BUSY;
        }
        schedule(expected, seen, Duration.ZERO);
        return Nudge.POLLED;
    }

    /** Whether the state a chain holds is still the job's committed one under this ownership of its partition. */
    private boolean current(JobState expected) {
        return ledger.current(expected);
    }

    /** Polls once; {@code seen} is what the schedule kept of the job's earlier polls (null: nothing). */
    private void pollOnce(JobState job, PollSchedule.Seen seen) {
        if (stopping || !current(job) || !job.status().generating()) {
            return;
        }
        if (job.deadline() != null && clock.instant().isAfter(job.deadline())) {
            Duration allowed = job.timings() != null && job.timings().submittedAt() != null
                    ? Duration.between(job.timings().submittedAt(), job.deadline()) : config.deadline();
            driver.apply(job, new JobEvent.DeadlinePassed(new JobError("timeout", "The provider did not finish the "
                    + "video within the deadline of " + allowed + " for " + job.request().model() + " (last status: "
                    + job.status().wireName() + "); the provider's copy is deleted.", null, false)))
                    .subscribe().with(done -> { }, e -> writeFailed(job, e, "record the timeout"));
            return;
        }
        metrics.polled(job.status());
        lastPollAt = clock.instant();
        providers.forJob(job).retrieve(job.videoId(), job.trace())
                .chain(video -> onVideo(job, video).map(next -> new Polled(next, video.pollAfter())))
                .subscribe().with(polled -> {
                    JobState next = polled.job();
                    if (next != null && next.status().generating()) {
                        PollSchedule.Plan plan = plan(next, seen, polled.pollAfter());
                        schedule(next, plan.seen(), plan.delay());
                    }
                }, e -> onPollFailure(job, seen, e));
    }

    /**
     * What a poll saw, as an event for the job's driver; completes with the job's state after it (null when the
     * driver ignored it: the job is no longer generating, so this chain ends). A completed video is stored by the
     * driver's storing step.
     */
    private Uni<JobState> onVideo(JobState job, ProviderVideo polled) {
        ProviderVideo video = polled.progress() == null ? polled.withProgress(synthesised(job, polled)) : polled;
        JobEvent event = event(job, video);
        return driver.apply(job, event).map(decision -> {
            if (event instanceof JobEvent.Generated && decision.applies()) {
                // once per committed transition: the cost the provider reported replaces the job's estimate
                budget.settled(decision.next(), providers.forJob(decision.next()).provider());
            }
            return decision.kind() == Decision.Kind.IGNORED ? null : decision.next();
        });
    }

    /** What a poll that saw {@code video} tells the job's driver. */
    static JobEvent event(JobState job, ProviderVideo video) {
        return switch (video.status()) {
            case QUEUED -> new JobEvent.Progressed(JobStatus.QUEUED, progress(video));
            case IN_PROGRESS, UNKNOWN -> {
                if (video.status() == ProviderStatus.UNKNOWN) {
                    Log.warnf("job %s: unknown provider status '%s', treated as in progress", LogText.safe(job.jobId()),
                            LogText.safe(video.rawStatus()));
                }
                yield new JobEvent.Progressed(JobStatus.IN_PROGRESS, progress(video));
            }
            case COMPLETED -> new JobEvent.Generated(video.expiresAt(), video.costUsd());
            case FAILED -> new JobEvent.GenerationEnded(JobStatus.FAILED, new JobError(
                    video.errorCode() == null ? "generation_failed" : video.errorCode(),
                    video.errorMessage() == null ? "The provider reports the video as failed." : video.errorMessage(),
                    null, false));
            case CANCELLED -> new JobEvent.GenerationEnded(JobStatus.CANCELLED, JobError.of("cancelled",
                    "The provider reports the video as cancelled."));
            case EXPIRED -> new JobEvent.GenerationEnded(JobStatus.FAILED, JobError.of("expired",
                    "The provider reports the video as expired before it could be stored."));
        };
    }

    /**
     * Deletes the provider's copy of a job that ended (at its deadline, or cancelled), so it is not kept (or billed
     * for storage) there. A provider that refuses to delete an unfinished video is asked again with growing pauses,
     * for about an hour; best effort, not resumed after a restart. Each call is fenced: sent only while {@code ended}
     * is still the job's state under this replica's ownership of its partition.
     */
    public void deleteAtProvider(JobState ended) {
        deleteAtProvider(ended, ended.videoId());
    }

    /**
     * {@link #deleteAtProvider(JobState)} for a video the job does not record (made after the job had ended). The copy
     * of a stored job is deleted only where its provider deletes after store.
     */
    public void deleteAtProvider(JobState ended, String videoId) {
        if (!deleteWanted(ended, providers.forJob(ended).settings())) {
            Log.debugf("job %s: stored; %s kept at the provider (delete-after-store is off for %s)",
                    LogText.safe(ended.jobId()), LogText.safe(videoId), providers.forJob(ended).provider());
            return;
        }
        deleteAtProvider(ended, videoId, 0);
    }

    /** Whether the provider's copy of an ended job is deleted: always when unwanted, once stored only if so set. */
    static boolean deleteWanted(JobState ended, ProviderSettings provider) {
        return ended.status() != JobStatus.STORED || provider.deletesAfterStore();
    }

    private void deleteAtProvider(JobState ended, String videoId, int attempt) {
        if (videoId == null || stopping) {
            return;
        }
        if (!providers.forJob(ended).capabilities().delete()) {
            // OpenRouter, Together, relays: the provider's copy expires there on its own
            Log.debugf("job %s: %s stays at the provider, whose API cannot delete", LogText.safe(ended.jobId()),
                    LogText.safe(videoId));
            return;
        }
        providers.forJob(ended).delete(videoId, ended.trace(), () -> current(ended)).subscribe().with(
                done -> Log.infof("job %s: deleted %s at the provider", LogText.safe(ended.jobId()),
                        LogText.safe(videoId)),
                e -> {
                    if (e instanceof ProviderException p && p.httpStatus() == 404) {
                        return;
                    }
                    if (e instanceof CallNotSent) {
                        Log.infof("job %s: %s not deleted at the provider: the job is no longer this replica's",
                                LogText.safe(ended.jobId()), LogText.safe(videoId));
                        return;
                    }
                    if (attempt >= DELETE_ATTEMPTS) {
                        Log.warnf("could not delete %s at the provider: %s", LogText.safe(videoId),
                                LogText.safe(e.getMessage()));
                        return;
                    }
                    long wait = Math.min(DELETE_RETRY_MAX.toMillis(), config.interval().toMillis() << attempt);
                    Log.debugf("%s not deleted at the provider yet (%s); again in %d ms", LogText.safe(videoId),
                            LogText.safe(e.getMessage()),
                            wait);
                    timer(Math.max(1, wait), t -> deleteAtProvider(ended, videoId, attempt + 1));
                });
    }

    /**
     * Progress for a provider that reports none (OpenRouter, Together): the share of the model's expected duration
     * that has passed since submission, held below 100 until the provider says completed; never less than the job's.
     */
    private Integer synthesised(JobState job, ProviderVideo video) {
        if (video.status() != ProviderStatus.IN_PROGRESS && video.status() != ProviderStatus.UNKNOWN) {
            return null;
        }
        Instant submitted = job.timings() != null && job.timings().submittedAt() != null
                ? job.timings().submittedAt() : clock.instant();
        long elapsed = Math.max(0, Duration.between(submitted, clock.instant()).toMillis());
        long expected = Math.max(1, expectedDuration(job).toMillis());
        int estimate = (int) Math.min(95, elapsed * 100 / expected);
        return Math.max(estimate, job.progress() == null ? 0 : job.progress());
    }

    private Duration expectedDuration(JobState job) {
        return catalog.spec(job).flatMap(WorkerConfig.Model::expectedDuration).orElse(config.expectedDuration());
    }

    private static Integer progress(ProviderVideo video) {
        return video.progress() == null ? 0 : Math.max(0, Math.min(100, video.progress()));
    }

    /**
     * A write failed. A partition given up is no failure (its new owner carries on); anything else (Kafka unavailable
     * for a moment) is tried again later from whatever state the job is in by then, so no job is left behind.
     */
    private void writeFailed(JobState job, Throwable e, String what) {
        if (e instanceof NotOwnerException) {
            Log.debugf("job %s: no longer ours, did not %s", LogText.safe(job.jobId()), what);
            return;
        }
        if (e instanceof StaleStateException stale) {
            // Another transition of the job was committed first (a cancel): this chain's view is over. Only a job
            // still being generated or stored needs a chain again.
            JobState now = stale.current();
            if (now == null || now.status().terminal()) {
                Log.debugf("job %s: ended (%s) while this chain meant to %s", LogText.safe(job.jobId()),
                        now == null ? "forgotten" : now.status().wireName(), what);
                return;
            }
            // Whoever committed that change drives the job on; a second chain would poll and store it twice.
            Log.warnf("job %s: changed to %s while this chain meant to %s; left to the chain that changed it",
                    LogText.safe(job.jobId()), now.status().wireName(), what);
            return;
        }
        Log.errorf(e, "job %s: could not %s; trying again", LogText.safe(job.jobId()), what);
        resumeLater(job, config.interval());
    }

    /** Drives a job again from its current state after a failure that ended the chain that drove it. */
    private void resumeLater(JobState failed, Duration delay) {
        if (stopping) {
            return;
        }
        timer(Math.max(1, delay.toMillis()), timer -> {
            JobState current = store.find(failed.jobId()).orElse(null);
            // Taken over again meanwhile (a new ownership resumed the job with chains of its own): nothing to do.
            if (stopping || current == null || current.epoch() != failed.epoch()) {
                return;
            }
            if (current.status().generating()) {
                pollOnce(current, null);
            }
        });
    }

    private void onPollFailure(JobState job, PollSchedule.Seen seen, Throwable e) {
        if (e instanceof NotOwnerException) {
            return;
        }
        if (e instanceof StaleStateException) {
            writeFailed(job, e, "record a poll");
            return;
        }
        if (e instanceof ProviderException p && !p.retryable()) {
            Log.infof("job %s: the provider answered HTTP %d %s; the job ends", LogText.safe(job.jobId()),
                    p.httpStatus(), LogText.safe(p.code()));
            String code = p.httpStatus() == 404 ? "video_not_found" : p.code();
            driver.apply(job, new JobEvent.GenerationEnded(JobStatus.FAILED, new JobError(code, p.getMessage(), null,
                    false))).subscribe().with(done -> { }, err -> writeFailed(job, err, "record the failure"));
            return;
        }
        if (!(e instanceof ProviderException)) {
            // A write of this chain failed, possibly after an earlier one succeeded: start from the job's state.
            writeFailed(job, e, "record a change");
            return;
        }
        // The client already retried this poll (worker.provider.retry.*); the next poll comes at the usual interval,
        // or later when the provider asked for more time, so the two layers do not add up to a burst of calls.
        Duration hinted = ((ProviderException) e).retryAfter();
        Duration wait = hinted != null && hinted.compareTo(config.interval()) > 0 ? hinted : config.interval();
        Log.warnf("job %s: poll failed after the client's retries (%s), next poll in %s", LogText.safe(job.jobId()),
                LogText.safe(e.getMessage()), wait);
        schedule(job, seen, wait);
    }

    /** A poll's outcome: the job's state after it, and the provider's hint for the next one. */
    private record Polled(JobState job, Duration pollAfter) {
    }

    /** A job's next poll, waiting in {@link #polls} (one timer for all of them). */
    private final class PendingPoll extends WaitQueue.Wait {
        private JobState expected;
        private PollSchedule.Seen seen;

        PendingPoll(long due, JobState expected, PollSchedule.Seen seen) {
            super(due);
            this.expected = expected;
            this.seen = seen;
        }

        @Override
        void run(long lateNanos) {
            lateness.record(lateNanos, TimeUnit.NANOSECONDS);
            pending.remove(expected.jobId(), this);
            pollOnce(expected, seen);
        }

        @Override
        void cancelled() {
            expected = null; // the job's state is not kept until this wait's time comes
            seen = null;
        }
    }
}
