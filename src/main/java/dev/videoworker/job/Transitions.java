package dev.videoworker.job;

import java.time.Instant;
import java.util.Objects;

import dev.videoworker.job.Decision.Step;
import dev.videoworker.job.JobEvent.CancelRequested;
import dev.videoworker.job.JobEvent.DeadlinePassed;
import dev.videoworker.job.JobEvent.GenerationEnded;
import dev.videoworker.job.JobEvent.Generated;
import dev.videoworker.job.JobEvent.IntentRenewed;
import dev.videoworker.job.JobEvent.Progressed;
import dev.videoworker.job.JobEvent.Refused;
import dev.videoworker.job.JobEvent.Requested;
import dev.videoworker.job.JobEvent.FailedOver;
import dev.videoworker.job.JobEvent.Resubmitting;
import dev.videoworker.job.JobEvent.Stored;
import dev.videoworker.job.JobEvent.StoringFailed;
import dev.videoworker.job.JobEvent.StoringStarted;
import dev.videoworker.job.JobEvent.SubmissionEnded;
import dev.videoworker.job.JobEvent.TakenOver;
import dev.videoworker.job.JobEvent.VideoMade;

/**
 * The job's state machine: for the job's current committed state (null: not known) and one event, what happens. Pure:
 * no I/O, no clock but {@code now}. Every (state, event) pair has an outcome; {@code JobTransitionsTest} holds the
 * whole table. Terminal states never become non-terminal, and a transition into a terminal state (the one that
 * carries the completion) only starts from a non-terminal one, so a job completes once.
 */
public final class Transitions {

    static final String CANCELLED_WHILE_SUBMITTING = "Cancelled through the HTTP API while it was being submitted: "
            + "the create call is not sent, or the video it made is deleted at the provider.";
    static final String CANCELLED_WHILE_GENERATING = "Cancelled through the HTTP API while the provider was "
            + "generating it; the provider's copy is deleted.";

    private Transitions() {
    }

    public static Decision decide(JobState current, JobEvent event, Instant now) {
        if (current != null && current.status() == JobStatus.ACCEPTED) {
            throw new IllegalArgumentException("accepted is an announcement, never a stored state");
        }
        if (event instanceof Requested r) {
            return requested(current, r, now);
        }
        if (event instanceof Refused r) {
            return current == null ? Decision.apply(JobState.rejected(r.jobId(), r.partition(), r.partial(),
                    r.error(), r.receivedAt(), now, r.trace())) : known(current);
        }
        if (event instanceof CancelRequested c) {
            return cancel(current, c, now);
        }
        if (event instanceof IntentRenewed) {
            return submitting(current) ? Decision.quietly(current.withStatus(JobStatus.SUBMITTING, now))
                    : Decision.ignored(current);
        }
        if (event instanceof VideoMade v) {
            return videoMade(current, v, now);
        }
        if (event instanceof SubmissionEnded e) {
            return submitting(current) ? Decision.apply(current.ended(terminal(e.terminal()), e.error(), now))
                    : Decision.ignored(current);
        }
        if (event instanceof FailedOver f) {
            return submitting(current) ? Decision.apply(current.failedOver(f.next(), f.notice(), now), Step.SUBMIT)
                    : Decision.ignored(current);
        }
        if (event instanceof Resubmitting) {
            return submitting(current) ? Decision.quietly(current.resubmitting(now), Step.SUBMIT)
                    : Decision.ignored(current);
        }
        if (event instanceof Progressed p) {
            return progressed(current, p, now);
        }
        if (event instanceof Generated g) {
            if (!generating(current)) {
                return Decision.ignored(current);
            }
            // Generated and storing in one commit: the store is asked at once, so "generated" is announced on the way
            // but never stored as a state of its own (one journal record and one commit fewer per job).
            JobState generated = current.generated(g.providerExpiresAt(), now)
                    .withActualCost(g.actualCostUsd() != null ? g.actualCostUsd() : current.actualCostUsd());
            return Decision.apply(generated.withStatus(JobStatus.STORING, now), Step.STORE).passingThrough(generated);
        }
        if (event instanceof GenerationEnded e) {
            return generating(current) ? Decision.apply(current.ended(terminal(e.terminal()), e.error(), now))
                    : Decision.ignored(current);
        }
        if (event instanceof DeadlinePassed d) {
            return generating(current) ? Decision.apply(current.ended(JobStatus.FAILED, d.error(), now))
                    .deleting(current.videoId()) : Decision.ignored(current);
        }
        if (event instanceof StoringStarted) {
            return storingStarted(current, now);
        }
        if (event instanceof Stored s) {
            // The store holds the verified copy: the provider's is deleted where its provider is set to (the stage
            // asks the provider's settings, worker.provider.delete-after-store).
            return is(current, JobStatus.STORING) ? Decision.apply(current.stored(s.video(), s.variants(), now))
                    .deleting(current.videoId()) : Decision.ignored(current);
        }
        if (event instanceof StoringFailed f) {
            return is(current, JobStatus.GENERATED) || is(current, JobStatus.STORING)
                    ? Decision.apply(current.ended(JobStatus.FAILED, f.error(), now)) : Decision.ignored(current);
        }
        if (event instanceof TakenOver) {
            return takenOver(current);
        }
        throw new IllegalArgumentException("no transition for " + event);
    }

    private static Decision requested(JobState current, Requested r, Instant now) {
        if (current != null) {
            return known(current);
        }
        return Decision.apply(JobState.submitting(r.request(), r.partition(), r.estimatedCostUsd(), r.receivedAt(),
                now, r.trace(), r.route(), r.notice()), Step.SUBMIT);
    }

    /**
     * A request for a job already known (a redelivery, a repeated id) never submits again. An ended job is announced
     * again; a job under way is not (its next change is announced anyway, and announcing the state now could repeat
     * an older progress than the one already committed).
     */
    private static Decision known(JobState current) {
        return current.status().terminal() ? Decision.unchanged(current, Step.REANNOUNCE)
                : Decision.unchanged(current);
    }

    private static Decision cancel(JobState current, CancelRequested c, Instant now) {
        if (current == null) {
            return Decision.apply(JobState.cancelledBeforeArrival(c.jobId(), c.partition(), now));
        }
        JobStatus status = current.status();
        if (status.terminal()) {
            return Decision.refused(current, JobError.of("job_ended", "The job has already ended ("
                    + status.wireName() + ")."));
        }
        if (status == JobStatus.SUBMITTING) {
            return Decision.apply(current.ended(JobStatus.CANCELLED, JobError.of("cancelled",
                    CANCELLED_WHILE_SUBMITTING), now));
        }
        if (status.generating()) {
            return Decision.apply(current.ended(JobStatus.CANCELLED, JobError.of("cancelled",
                    CANCELLED_WHILE_GENERATING), now)).deleting(current.videoId());
        }
        return Decision.refused(current, JobError.of("job_already_generated", "The video is already generated and "
                + "being stored."));
    }

    /**
     * The provider made a video for the job. While it is being submitted, that is its video. After it ended (a cancel
     * won the race with the create call), the video is not wanted: its id is recorded quietly (so a new owner deletes
     * it too) and it is deleted. Any other state already has its video (an ended one that names a video is left
     * alone: a second video cannot be told to be this job's).
     */
    private static Decision videoMade(JobState current, VideoMade v, Instant now) {
        if (submitting(current)) {
            return Decision.apply(current.submitted(v.videoId(), now, now.plus(v.deadline())), Step.FOLLOW);
        }
        if (current != null && current.status().terminal() && current.videoId() == null) {
            return Decision.quietly(current.withVideoId(v.videoId())).deleting(v.videoId());
        }
        return Decision.ignored(current);
    }

    private static Decision progressed(JobState current, Progressed p, Instant now) {
        if (!generating(current)) {
            return Decision.ignored(current);
        }
        if (current.status() == p.status() && Objects.equals(current.progress(), p.progress())) {
            return Decision.unchanged(current);
        }
        return Decision.apply(current.progressed(p.status(), p.progress(), now));
    }

    private static Decision storingStarted(JobState current, Instant now) {
        if (is(current, JobStatus.GENERATED)) {
            return Decision.apply(current.withStatus(JobStatus.STORING, now));
        }
        return is(current, JobStatus.STORING) ? Decision.unchanged(current) : Decision.ignored(current);
    }

    /** What a replica that takes the job over resumes. */
    private static Decision takenOver(JobState current) {
        if (current == null) {
            return Decision.ignored(null);
        }
        return switch (current.status()) {
            case SUBMITTING -> Decision.unchanged(current, Step.RECONCILE);
            case SUBMITTED, QUEUED, IN_PROGRESS -> Decision.unchanged(current, Step.FOLLOW);
            case GENERATED, STORING -> Decision.unchanged(current, Step.STORE);
            default -> {
                if (current.providerCopyUnwanted()) {
                    yield Decision.unchanged(current).deleting(current.videoId());
                }
                yield current.cancelledWhileSubmitting() ? Decision.unchanged(current, Step.SEARCH_AND_DELETE)
                        : Decision.unchanged(current);
            }
        };
    }

    private static boolean submitting(JobState current) {
        return is(current, JobStatus.SUBMITTING);
    }

    private static boolean generating(JobState current) {
        return current != null && current.status().generating();
    }

    private static boolean is(JobState current, JobStatus status) {
        return current != null && current.status() == status;
    }

    private static JobStatus terminal(JobStatus status) {
        if (!status.terminal()) {
            throw new IllegalArgumentException(status + " is not an end");
        }
        return status;
    }
}
