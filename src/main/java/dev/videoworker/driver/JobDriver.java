package dev.videoworker.driver;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.videoworker.job.Decision;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.Transitions;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.journal.JobLedger;
import dev.videoworker.journal.JobStore;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.journal.StaleStateException;
import dev.videoworker.log.LogText;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The one writer of every job's state. Each job has a mailbox: the events for it (its request, the create's answer,
 * polls, cancel, deadline, storage results, take-over) are decided one at a time, each against the job's current
 * committed state ({@link Transitions#decide}), and the decision is committed through the partition's writer (which
 * still checks the base version at commit) before the next event of that job is looked at. A transition refused at
 * commit (only possible when the state changed outside this mailbox) is decided again from the state that won. Once a
 * decision is committed, the driver calls the stages it names ({@link JobSteps}).
 */
@ApplicationScoped
public class JobDriver {

    /** How often one event is decided again after its transition was refused at commit. */
    public static final int MAX_REDECISIONS = 5;

    private final JobStore store;
    private final JobLedger ledger;
    private final JobJournal journal;
    private final Supplier<JobSteps> steps;
    private final Clock clock = Clock.systemUTC();
    /** Events waiting for the job's previous one to be committed, by job id; a job with none has no entry. */
    private final Map<String, ArrayDeque<Runnable>> mailboxes = new HashMap<>();
    /** Transitions refused at commit and decided again (a state changed outside a mailbox: none expected). */
    private final AtomicLong redecided = new AtomicLong();

    @Inject
    public JobDriver(JobStore store, JobLedger ledger, JobJournal journal, Instance<JobSteps> steps) {
        this(store, ledger, journal, (Supplier<JobSteps>) steps::get);
    }

    /** A driver calling {@code steps} (looked up at each decision: the stages are built after the driver). */
    public JobDriver(JobStore store, JobLedger ledger, JobJournal journal, Supplier<JobSteps> steps) {
        this.store = store;
        this.ledger = ledger;
        this.journal = journal;
        this.steps = steps;
    }

    /**
     * Decides and commits one event for the job. {@code seen} is the state the step that sends the event acted on
     * (null when it acted on none: a new request, a cancel): an event from a step of an earlier ownership of the
     * partition fails with {@link NotOwnerException}, as does any event for a partition this replica does not own.
     * Completes with the committed decision ({@link Decision#next()} is then the job's committed state).
     */
    public Uni<Decision> apply(JobState seen, String jobId, int partition, JobEvent event) {
        return Uni.createFrom().emitter(emitter -> enqueue(jobId, () -> decide(seen, jobId, partition, event, 0)
                .subscribe().with(decision -> {
                    next(jobId);
                    emitter.complete(decision);
                }, failure -> {
                    next(jobId);
                    emitter.fail(failure);
                })));
    }

    /** {@link #apply} for an event of a step that acted on {@code seen}. */
    public Uni<Decision> apply(JobState seen, JobEvent event) {
        return apply(seen, seen.jobId(), seen.partition(), event);
    }

    /** How many transitions were refused at commit and decided again since start. */
    public long redecided() {
        return redecided.get();
    }

    private void enqueue(String jobId, Runnable task) {
        boolean idle;
        synchronized (mailboxes) {
            ArrayDeque<Runnable> waiting = mailboxes.get(jobId);
            idle = waiting == null;
            if (idle) {
                mailboxes.put(jobId, new ArrayDeque<>());
            } else {
                waiting.add(task);
            }
        }
        if (idle) {
            task.run();
        }
    }

    private void next(String jobId) {
        Runnable following;
        synchronized (mailboxes) {
            ArrayDeque<Runnable> waiting = mailboxes.get(jobId);
            following = waiting == null ? null : waiting.poll();
            if (following == null) {
                mailboxes.remove(jobId);
            }
        }
        if (following != null) {
            following.run();
        }
    }

    private Uni<Decision> decide(JobState seen, String jobId, int partition, JobEvent event, int redecisions) {
        long epoch = journal.epoch(partition);
        if (epoch == 0 || seen != null && seen.epoch() != epoch) {
            return Uni.createFrom().failure(new NotOwnerException(partition));
        }
        JobState current = store.find(jobId).orElse(null);
        if (current != null && current.epoch() != epoch) {
            // The partition is being taken over again: its jobs are about to be rebuilt under the new ownership.
            return Uni.createFrom().failure(new NotOwnerException(partition));
        }
        Decision decision = Transitions.decide(current, event, clock.instant());
        if (!decision.applies()) {
            return Uni.createFrom().item(decision).invoke(this::runSteps);
        }
        Uni<JobState> write = decision.announce() ? ledger.record(current, decision.passing(), decision.next())
                : ledger.remember(current, decision.next());
        return write
                .map(committed -> committed == null ? decision : decision.committed(committed))
                .invoke(this::runSteps)
                .onFailure(StaleStateException.class).recoverWithUni(e -> {
                    if (redecisions + 1 >= MAX_REDECISIONS) {
                        return Uni.createFrom().failure(e);
                    }
                    redecided.incrementAndGet();
                    Log.debugf("job %s: %s refused at commit; deciding again from the state that won",
                            LogText.safe(jobId),
                            event.getClass().getSimpleName());
                    return decide(seen, jobId, partition, event, redecisions + 1);
                });
    }

    private void runSteps(Decision decision) {
        if (decision.steps().isEmpty()) {
            return;
        }
        JobState job = decision.next();
        JobSteps stages = steps.get();
        for (Decision.Step step : decision.steps()) {
            try {
                switch (step) {
                    case FOLLOW -> stages.follow(job);
                    case STORE -> stages.store(job);
                    case RECONCILE -> stages.reconcile(job);
                    case SEARCH_AND_DELETE -> stages.searchAndDelete(job);
                    case DELETE_VIDEO -> stages.deleteVideo(job, decision.videoId());
                    case SUBMIT, REANNOUNCE -> {
                        // run by the stage that sent the event (it holds what the step needs)
                    }
                }
            } catch (RuntimeException e) {
                Log.errorf(e, "job %s: step %s could not be started", LogText.safe(job.jobId()), step);
            }
        }
    }
}
